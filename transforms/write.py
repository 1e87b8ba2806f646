"""Write warehouse rows as Hive-partitioned Parquet and Avro, and publish them as one run.

Layout under the output directory::

    parquet/<table>/<partition_column>=<value>/part-<run_id>-<writer>.parquet
    avro/<table>/<partition_column>=<value>/part-<run_id>-<writer>.avro
    _runs/<run_id>.json          # manifest: files and rows per table of a published run
    _runs/<run_id>.publishing.json   # journal, only while (or if killed while) publishing
    _staging/<run_id>/...        # files of a run in progress

Beam's own ``WriteToParquet``/``WriteToAvro`` cannot partition, default to
uncompressed Parquet, and in streaming drop rows when a bundle spans windows
(see BEAM-NOTES.md), so this module writes files itself with pyarrow and
fastavro.  It follows Beam's file-sink protocol: each bundle writes its rows
into files under ``_staging/<run_id>/`` and reports them; once every bundle has
succeeded, ``_PublishRunFn`` moves exactly the reported files into place and
writes the run manifest last.  Files of a failed or retried bundle are never
reported, so they are never published.  Rows stream into the files in row
groups of at most ``ROW_GROUP_ROWS`` rows or ``ROW_GROUP_BYTES`` of values, and a
bundle keeps at most ``MAX_OPEN_WRITERS`` partitions open and ``MAX_BUFFERED_BYTES``
of values not yet written, so its memory and file handles stay bounded however
many articles and dates the bundle holds (a partition closed to make room is
continued in a new file).

Publication is journaled: the manifest is written to ``<run>.publishing.json``
before the first file moves and renamed to ``<run>.json`` after the last, so a
run killed at any point is either invisible (its staging files are discarded
by ``recover_unfinished_runs``) or completed by the next run.  Each file appears
whole (written in staging, then renamed); a reader listing the directories
during the milliseconds of a publication may see some of a run's files before
the others: true snapshot isolation needs a table format (Iceberg, Delta).
"""
import glob
import hashlib
import itertools
import json
import os
import uuid
from collections import Counter, OrderedDict
from typing import Iterable, List, NamedTuple, Tuple

import apache_beam as beam
import fastavro
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from schemas.arrow import to_arrow_schema
from schemas.avro import to_avro_schema
from schemas.fields import SCHEMA_VERSION, TABLES
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.to_records import TableRow

FORMATS = ('parquet', 'avro')
STAGING_DIR = '_staging'
RUNS_DIR = '_runs'
PARQUET_CODEC = 'snappy'     # read by every warehouse engine; zstd is not (older Hive, some BI tools)
AVRO_CODEC = 'deflate'       # the only codec besides null that every Avro reader must support
# A row group ends at whichever comes first.  Rows differ a thousandfold in size (an article
# with its body against an entity mention), so a count alone would let the articles table hold
# 5,000 bodies (25 MB of text, twice that as Python objects) before writing any.
ROW_GROUP_ROWS = 5_000
ROW_GROUP_BYTES = 4 << 20
# Per bundle: partitions open at once (each holds a Parquet and an Avro file) and values held
# for Parquet row groups across them.  An archive spanning years has thousands of dates.
MAX_OPEN_WRITERS = 64
MAX_BUFFERED_BYTES = 32 << 20


class WrittenFile(NamedTuple):
    table: str
    fmt: str
    relative_path: str        # e.g. parquet/articles/article_date=2019-09-13/part-<run>-<writer>.parquet
    rows: int


def staging_root(output_dir: str, run_id: str) -> str:
    return FileSystems.join(output_dir, STAGING_DIR, run_id)


def manifest_path(output_dir: str, run_id: str) -> str:
    return FileSystems.join(output_dir, RUNS_DIR, f'{run_id}.json')


def _makedirs(path: str) -> None:
    # Local directories must exist before a file is created in them; object stores have none.
    if FileSystems.get_scheme(path) is None:
        os.makedirs(path, exist_ok=True)


def approximate_bytes(value) -> int:
    """The size of a row's values as Arrow will hold them: text and binary by length, scalars as 8 bytes."""
    if isinstance(value, (str, bytes)):
        return len(value)
    if isinstance(value, dict):
        return sum(approximate_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(approximate_bytes(v) for v in value)
    return 8


class TableFileWriter:
    """Writes one table partition to a Parquet and an Avro file at once, streaming rows in groups."""

    def __init__(self, root: str, table: str, partition: str, file_stem: str):
        self.table = table
        self._arrow_schema = to_arrow_schema(table)
        self._rows: List[dict] = []
        self.pending_bytes = 0
        self.count = 0
        self.relative_paths = {
            fmt: '/'.join((fmt, table, partition, f'{file_stem}.{fmt}')) for fmt in FORMATS}
        self._handles = {}
        for fmt, relative in self.relative_paths.items():
            path = FileSystems.join(root, relative)
            _makedirs(os.path.dirname(path))
            self._handles[fmt] = FileSystems.create(path)
        self._parquet = pq.ParquetWriter(self._handles['parquet'], self._arrow_schema,
                                         compression=PARQUET_CODEC, use_compliant_nested_type=True)
        self._avro = fastavro.write.Writer(
            self._handles['avro'], fastavro.parse_schema(to_avro_schema(table)), codec=AVRO_CODEC,
            metadata={'schema_version': str(SCHEMA_VERSION)})

    def write(self, row: dict) -> int:
        """Writes the row (to Avro now, to Parquet with its row group); returns its approximate_bytes."""
        size = approximate_bytes(row)
        self._rows.append(row)
        self.pending_bytes += size
        self._avro.write(row)
        self.count += 1
        if len(self._rows) >= ROW_GROUP_ROWS or self.pending_bytes >= ROW_GROUP_BYTES:
            self.flush()
        return size

    def flush(self) -> None:
        """Writes the rows held so far as a Parquet row group."""
        if self._rows:
            self._parquet.write_table(pa.Table.from_pylist(self._rows, schema=self._arrow_schema))
            self._rows = []
            self.pending_bytes = 0

    def close(self) -> List[WrittenFile]:
        self.flush()
        self._parquet.close()
        self._avro.flush()
        for handle in self._handles.values():
            handle.close()
        return [WrittenFile(self.table, fmt, path, self.count) for fmt, path in self.relative_paths.items()]


class _WriteBundleFn(beam.DoFn):
    """Writes the rows of a bundle to staging files, one Parquet and one Avro file per table partition.

    At most MAX_OPEN_WRITERS partitions are open at once: the least recently written one is
    closed (and reported) to make room, and continues in a file of its own if it comes back.
    """

    def __init__(self, output_dir: str, run_id: str):
        self._root = staging_root(output_dir, run_id)
        self._run_id = run_id
        self._rows = Metrics.counter(METRICS_NAMESPACE, 'rows_written')

    def start_bundle(self):
        self._writers: 'OrderedDict[Tuple[str, str], TableFileWriter]' = OrderedDict()
        self._opened: Counter = Counter()
        self._buffered = 0
        # A fresh name per bundle attempt: a retried bundle never overwrites a file another attempt reported.
        self._stem = f'part-{self._run_id}-{uuid.uuid4().hex[:12]}'

    def process(self, table_row: TableRow) -> Iterable[WrittenFile]:
        key = (table_row.table, table_row.partition)
        writer = self._writers.get(key)
        if writer is None:
            if len(self._writers) >= MAX_OPEN_WRITERS:
                _, oldest = self._writers.popitem(last=False)
                yield from oldest.close()
            opened = self._opened[key]
            self._opened[key] += 1
            stem = self._stem if not opened else f'{self._stem}-{opened}'
            writer = self._writers[key] = TableFileWriter(self._root, table_row.table, table_row.partition, stem)
        else:
            self._writers.move_to_end(key)
        self._buffered += writer.write(table_row.row)
        self._rows.inc()
        if self._buffered >= MAX_BUFFERED_BYTES:
            # Counted since the last check; the writers' own row groups may have taken some already.
            self._buffered = sum(w.pending_bytes for w in self._writers.values())
            if self._buffered >= MAX_BUFFERED_BYTES:
                for open_writer in self._writers.values():
                    open_writer.flush()
                self._buffered = 0

    def finish_bundle(self):
        for writer in self._writers.values():
            for written in writer.close():
                yield WindowedValue(written, MIN_TIMESTAMP, [GlobalWindow()])
        self._writers = OrderedDict()


def journal_path(output_dir: str, run_id: str) -> str:
    return FileSystems.join(output_dir, RUNS_DIR, f'{run_id}.publishing.json')


def _write_json_atomically(path: str, value: dict) -> None:
    # A reader (or a recovering run) sees the whole file or none of it.
    _makedirs(os.path.dirname(path))
    partial = f'{path}.partial'
    with FileSystems.create(partial) as handle:
        handle.write(json.dumps(value, indent=1).encode())
    FileSystems.rename([partial], [path])


def _read_json(path: str) -> dict:
    with FileSystems.open(path) as handle:
        return json.loads(handle.read())


def _complete_publication(output_dir: str, manifest: dict) -> None:
    """Moves every staged file of the manifest into place, then records the run as published.

    Idempotent, so that a run killed half-way through can be rolled forward by the next one.
    """
    run_id = manifest['run_id']
    staging = staging_root(output_dir, run_id)
    for written in manifest['files']:
        source = FileSystems.join(staging, written['relative_path'])
        destination = FileSystems.join(output_dir, written['relative_path'])
        if FileSystems.exists(source):
            _makedirs(os.path.dirname(destination))
            FileSystems.rename([source], [destination])
        elif not FileSystems.exists(destination):
            raise IOError(f'run {run_id}: {written["relative_path"]} is neither staged nor published')
    _write_json_atomically(manifest_path(output_dir, run_id), manifest)
    FileSystems.delete([journal_path(output_dir, run_id)])
    if FileSystems.exists(staging):
        FileSystems.delete([staging])


def publish_run(output_dir: str, run_id: str, written: List[WrittenFile]) -> dict:
    """Publishes a run's staged files: journal first, then the moves, then the manifest.

    Returns:
      The manifest: run id, rows per table, files.
    """
    written = sorted(written)
    rows = {name: 0 for name in TABLES}
    for w in written:
        if w.fmt == FORMATS[0]:
            rows[w.table] += w.rows
    manifest = {'run_id': run_id, 'schema_version': SCHEMA_VERSION, 'rows': rows,
                'files': [w._asdict() for w in written]}
    _write_json_atomically(journal_path(output_dir, run_id), manifest)
    _complete_publication(output_dir, manifest)
    return manifest


def recover_unfinished_runs(output_dir: str) -> List[str]:
    """Leaves the warehouse as if every earlier run either published completely or never ran.

    A run killed while publishing left a journal: its publication is completed.  A run
    killed before publishing left only staging files: they are deleted, and since its
    articles never reached the ledger, the next run ingests them.  Call it only while no
    other run writes to ``output_dir``.

    Returns:
      One line per repaired run, for the log.
    """
    repaired = []
    runs = FileSystems.join(output_dir, RUNS_DIR)
    for match in _match(FileSystems.join(runs, '*.publishing.json')):
        manifest = _read_json(match)
        _complete_publication(output_dir, manifest)
        repaired.append(f'completed the publication of run {manifest["run_id"]}')
    for match in _match(FileSystems.join(runs, '*.partial')):
        FileSystems.delete([match])
    for staged in _match(FileSystems.join(output_dir, STAGING_DIR, '*')):
        run_id = os.path.basename(staged.rstrip('/'))
        FileSystems.delete([staged])
        if not FileSystems.exists(manifest_path(output_dir, run_id)):
            repaired.append(f'discarded the unpublished files of run {run_id}')
    return repaired


def _match(pattern: str) -> List[str]:
    if FileSystems.get_scheme(pattern) is None:
        return sorted(glob.glob(pattern))
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


class _PublishRunFn(beam.DoFn):
    """Publishes the run once every bundle has reported its files (a single element: the list)."""

    def __init__(self, output_dir: str, run_id: str):
        self._output_dir = output_dir
        self._run_id = run_id

    def process(self, written: List[WrittenFile]) -> Iterable[dict]:
        yield publish_run(self._output_dir, self._run_id, written)


class WriteWarehouse(beam.PTransform):
    """PCollection[TableRow], or a tuple of them -> PCollection[dict]: the published run's manifest.

    Each PCollection of rows gets its own writer, fused with whatever makes the rows:
    the FnApiRunner materialises the inputs of a Flatten, so flattening the article rows
    with the dead-letter rows before writing would hold every row of the run in memory.
    Only the (small) reports of the written files are flattened.

    Args:
      output_dir: warehouse root (local path or any Beam file system).
      run_id: names this run's files; unique per run.
    """

    def __init__(self, output_dir: str, run_id: str):
        super().__init__()
        self._output_dir = output_dir
        self._run_id = run_id

    def expand(self, rows):
        row_collections = rows if isinstance(rows, (tuple, list)) else (rows,)
        written = [
            collection | f'WriteStagingFiles{index}' >> beam.ParDo(_WriteBundleFn(self._output_dir, self._run_id))
            for index, collection in enumerate(row_collections)]
        return (
            written
            | 'AllWrittenFiles' >> beam.Flatten()
            | 'CollectWrittenFiles' >> beam.combiners.ToList()
            | 'PublishRun' >> beam.ParDo(_PublishRunFn(self._output_dir, self._run_id)))


def _shard_of(row: dict, num_shards: int) -> int:
    key = row.get('article_id') or row.get('key') or row.get('source_uri') or ''
    return int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16) % num_shards


def _window_stem(run_id: str, window, pane) -> str:
    start = window.start.to_utc_datetime().strftime('%Y%m%dT%H%M%S')
    end = window.end.to_utc_datetime().strftime('%Y%m%dT%H%M%S')
    return f'part-{run_id}-w{start}-{end}-p{pane.index}'


class _WriteWindowFileFn(beam.DoFn):
    """Writes one (table, partition, shard) group of a window pane to its Parquet and Avro files.

    The file names depend only on the run, window, pane and shard, so a retried bundle
    rewrites the same files with the same rows: exactly once.  Each file is written
    under a temporary name and renamed into place whole.
    """

    def __init__(self, output_dir: str, run_id: str):
        self._output_dir = output_dir
        self._run_id = run_id
        self._rows = Metrics.counter(METRICS_NAMESPACE, 'rows_written')

    def process(self, group, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        (table, partition, shard), rows = group
        rows = iter(rows)
        first = next(rows, None)
        # Flink (Beam 2.70 portable streaming, with late firings) fires a window's last pane a
        # second time, empty and with the same PaneInfo: writing it would replace that pane's
        # files with empty ones.  A group without rows writes nothing.
        if first is not None:
            yield from self._write(table, partition, shard, itertools.chain([first], rows), window, pane)

    def _write(self, table, partition, shard, rows, window, pane):
        stem = f'{_window_stem(self._run_id, window, pane)}-s{shard}'
        # Every group of a pane has the same stem: each attempt stages in a directory of its own, so
        # that one group deleting its staging files never deletes another's being written beside it.
        staging = FileSystems.join(staging_root(self._output_dir, self._run_id), f'{stem}-{uuid.uuid4().hex[:12]}')
        writer = TableFileWriter(staging, table, partition, stem)
        for row in rows:
            writer.write(row)
        written = writer.close()
        self._rows.inc(writer.count)
        for file in written:
            destination = FileSystems.join(self._output_dir, file.relative_path)
            _makedirs(os.path.dirname(destination))
            FileSystems.rename([FileSystems.join(staging, file.relative_path)], [destination])
            yield file
        FileSystems.delete([staging])


class _RecordWindowFn(beam.DoFn):
    """Writes the manifest of one window pane, listing its files and rows."""

    def __init__(self, output_dir: str, run_id: str):
        self._output_dir = output_dir
        self._run_id = run_id

    def process(self, keyed, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        _, written = keyed
        written = sorted(written)
        if written:   # not the empty repeat of a last pane on Flink (see _WriteWindowFileFn)
            yield self._record(written, window, pane)

    def _record(self, written, window, pane) -> dict:
        rows = {name: 0 for name in TABLES}
        for w in written:
            if w.fmt == FORMATS[0]:
                rows[w.table] += w.rows
        stem = _window_stem(self._run_id, window, pane)
        manifest = {'run_id': self._run_id, 'window': stem, 'schema_version': SCHEMA_VERSION, 'rows': rows,
                    'files': [w._asdict() for w in written]}
        _write_json_atomically(FileSystems.join(self._output_dir, RUNS_DIR, self._run_id, f'{stem}.json'), manifest)
        return manifest


class WriteWindowedWarehouse(beam.PTransform):
    """Streaming: windowed PCollection[TableRow] -> PCollection[dict] (one manifest per window pane).

    Rows are grouped per window pane by (table, partition, shard); each group
    becomes one Parquet and one Avro file with a deterministic name.  Unlike Beam's
    WriteToParquet, a bundle spanning several windows cannot misplace rows: every
    file holds exactly one group of one pane.

    Args:
      output_dir: warehouse root.
      run_id: names this run's files.
      num_shards: files per table partition and window pane.
    """

    def __init__(self, output_dir: str, run_id: str, num_shards: int = 1):
        super().__init__()
        self._output_dir = output_dir
        self._run_id = run_id
        self._num_shards = num_shards

    def expand(self, rows):
        num_shards = self._num_shards
        if isinstance(rows, (tuple, list)):
            # Grouping per window gathers the rows anyway: one Flatten costs nothing more here.
            rows = rows | 'CollectRows' >> beam.Flatten()
        return (
            rows
            | 'KeyByFile' >> beam.Map(lambda r: ((r.table, r.partition, _shard_of(r.row, num_shards)), r.row))
            | 'GroupPerFile' >> beam.GroupByKey()
            | 'WriteWindowFiles' >> beam.ParDo(_WriteWindowFileFn(self._output_dir, self._run_id))
            | 'KeyByWindow' >> beam.Map(lambda written: (None, written))
            | 'GroupPerWindow' >> beam.GroupByKey()
            | 'RecordWindow' >> beam.ParDo(_RecordWindowFn(self._output_dir, self._run_id)))


def read_run_manifests(output_dir: str, run_id: str) -> List[dict]:
    """The manifests of a run: its one batch manifest, or one per window pane of a streaming run."""
    single = manifest_path(output_dir, run_id)
    if FileSystems.exists(single):
        return [_read_json(single)]
    return [_read_json(path) for path in _match(FileSystems.join(output_dir, RUNS_DIR, run_id, '*.json'))]
