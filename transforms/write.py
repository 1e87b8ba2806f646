"""Write warehouse rows as Iceberg data files (Parquet) plus Avro copies, and commit them as one run.

Workers write the files in parallel: per bundle, one Parquet file into the table's ``data/<column>=<date>/``
folder and one Avro copy under the run's staging folder for each (table, partition) the bundle holds.
Rows stream into the files in row groups of at most ``ROW_GROUP_ROWS`` rows or ``ROW_GROUP_BYTES`` of
values, and a bundle keeps at most ``MAX_OPEN_WRITERS`` partitions open and ``MAX_BUFFERED_BYTES`` of
values unwritten, so memory stays bounded however many articles and dates it holds.  Each bundle
reports the files it wrote; a failed or retried bundle's files are never reported, so never committed.
Once every bundle has reported, one step commits them (``transforms.core.publication``): metadata only,
one snapshot per table, the ingest ledger last.

Streaming (``WriteWindowedWarehouse``) groups each window pane's rows per (table, partition, shard)
and commits each pane the same way, under a commit id of its own: a retried pane commits once.
"""
import hashlib
import itertools
from collections import OrderedDict
from typing import Dict, Iterable, List, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from transforms.core.publication import WrittenFile, journal, publish, staging_dir
from transforms.core.table_files import TableFileWriter
from transforms.core.warehouse import CatalogConfig, TableTarget, Warehouse, file_stem
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.to_records import TableRow

# Per bundle: partitions open at once (each a Parquet and an Avro file) and values held for
# Parquet row groups across them.  An archive spanning years has thousands of dates.
MAX_OPEN_WRITERS = 64
MAX_BUFFERED_BYTES = 32 << 20


class _WriteBundleFn(beam.DoFn):
    """Writes the rows of a bundle, one data file and one Avro copy per table partition.

    At most MAX_OPEN_WRITERS partitions are open at once: the least recently written one is closed
    (and reported) to make room, and continues in a file of its own if it comes back.
    """

    def __init__(self, targets: Dict[str, TableTarget], output: str, run_id: str):
        self._targets = targets
        self._avro_root = staging_dir(output, run_id)
        self._run_id = run_id
        self._rows = Metrics.counter(METRICS_NAMESPACE, 'rows_written')

    def start_bundle(self):
        self._writers: 'OrderedDict[Tuple[str, str], TableFileWriter]' = OrderedDict()
        self._buffered = 0

    def process(self, table_row: TableRow) -> Iterable[WrittenFile]:
        try:
            yield from self._write(table_row)
        except BaseException:
            self._abort()
            raise

    def _write(self, table_row: TableRow) -> Iterable[WrittenFile]:
        key = (table_row.table, table_row.partition)
        writer = self._writers.get(key)
        if writer is None:
            if len(self._writers) >= MAX_OPEN_WRITERS:
                _, oldest = self._writers.popitem(last=False)
                yield from oldest.close()
            writer = self._writers[key] = TableFileWriter(self._targets[table_row.table], table_row.partition,
                                                          file_stem(self._run_id), self._avro_root)
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
        try:
            while self._writers:
                _, writer = self._writers.popitem(last=False)
                for written in writer.close():
                    yield WindowedValue(written, MIN_TIMESTAMP, [GlobalWindow()])
        except BaseException:
            self._abort()
            raise

    def _abort(self):
        # A failed bundle's files stay uncommitted; the next run discards them.
        writers, self._writers = self._writers, OrderedDict()
        for writer in writers.values():
            writer.abort()


class _CommitFn(beam.DoFn):
    """Commits the files of a run (batch: one element, the list of every file) to the warehouse."""

    def __init__(self, config: CatalogConfig, run_id: str):
        self._config = config
        self._run_id = run_id

    def setup(self):
        self._warehouse = Warehouse(self._config)

    def process(self, written: List[WrittenFile]) -> Iterable[dict]:
        yield publish(self._warehouse, self._config.output, journal(self._run_id, self._run_id, written))


class WriteWarehouse(beam.PTransform):
    """PCollection[TableRow], or a tuple of them -> PCollection[dict]: the committed run's journal entry.

    Each PCollection of rows gets its own writer, fused with whatever makes the rows: the FnApiRunner
    materialises the inputs of a Flatten, so flattening the article rows with the dead-letter rows
    before writing would hold every row of the run in memory.  Only the (small) file reports are
    flattened.

    Args:
      config: the warehouse's catalog.
      targets: where each table's files go (``Warehouse.targets``).
      run_id: names this run's files and snapshots.
    """

    def __init__(self, config: CatalogConfig, targets: Dict[str, TableTarget], run_id: str):
        super().__init__()
        self._config = config
        self._targets = targets
        self._run_id = run_id

    def expand(self, rows):
        row_collections = rows if isinstance(rows, (tuple, list)) else (rows,)
        written = [
            collection | f'WriteFiles{index}' >> beam.ParDo(
                _WriteBundleFn(self._targets, self._config.output, self._run_id))
            for index, collection in enumerate(row_collections)]
        return (
            written
            | 'AllWrittenFiles' >> beam.Flatten()
            | 'CollectWrittenFiles' >> beam.combiners.ToList()
            | 'CommitRun' >> beam.ParDo(_CommitFn(self._config, self._run_id)))


def _shard_of(row: dict, num_shards: int) -> int:
    key = row.get('article_id') or row.get('key') or row.get('source_uri') or ''
    return int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16) % num_shards


def pane_id(run_id: str, window, pane) -> str:
    """The commit id of a window pane: the same for every attempt at it."""
    start = window.start.to_utc_datetime().strftime('%Y%m%dT%H%M%S')
    end = window.end.to_utc_datetime().strftime('%Y%m%dT%H%M%S')
    return f'{run_id}/w{start}-{end}-p{pane.index}'


class _WriteWindowFileFn(beam.DoFn):
    """Writes one (table, partition, shard) group of a window pane to a data file and its Avro copy."""

    def __init__(self, targets: Dict[str, TableTarget], output: str, run_id: str):
        self._targets = targets
        self._avro_root = staging_dir(output, run_id)
        self._run_id = run_id
        self._rows = Metrics.counter(METRICS_NAMESPACE, 'rows_written')

    def process(self, group, window=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        (table, partition, _shard), rows = group
        rows = iter(rows)
        first = next(rows, None)
        # Flink (Beam 2.70 portable streaming, with late firings) fires a window's last pane a second
        # time, empty and with the same PaneInfo: a group without rows writes nothing.
        if first is not None:
            with TableFileWriter(self._targets[table], partition, file_stem(self._run_id),
                                 self._avro_root) as writer:
                for row in itertools.chain([first], rows):
                    writer.write(row)
                self._rows.inc(writer.count)
                written_files = writer.close()
            for written in written_files:
                yield pane_id(self._run_id, window, pane), written


class _CommitPaneFn(beam.DoFn):
    """Commits the files of one window pane to the warehouse, under the pane's commit id."""

    def __init__(self, config: CatalogConfig, run_id: str):
        self._config = config
        self._run_id = run_id

    def setup(self):
        self._warehouse = Warehouse(self._config)

    def process(self, keyed, pane=beam.DoFn.PaneInfoParam):
        files_pane, written = keyed
        written = list(written)
        if written:   # not the empty repeat of a last pane on Flink (see _WriteWindowFileFn)
            # A further firing of this grouping brings further files of the same pane: a commit of its own.
            commit_id = f'{files_pane}-c{pane.index}'
            yield publish(self._warehouse, self._config.output, journal(self._run_id, commit_id, written))


class WriteWindowedWarehouse(beam.PTransform):
    """Streaming: windowed PCollection[TableRow] -> PCollection[dict] (one committed journal entry per pane).

    Args:
      config: the warehouse's catalog.
      targets: where each table's files go.
      run_id: names this run's files and snapshots.
      num_shards: files per table partition and window pane.
    """

    def __init__(self, config: CatalogConfig, targets: Dict[str, TableTarget], run_id: str, num_shards: int = 1):
        super().__init__()
        self._config = config
        self._targets = targets
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
            | 'WriteWindowFiles' >> beam.ParDo(_WriteWindowFileFn(self._targets, self._config.output, self._run_id))
            | 'GroupPerPane' >> beam.GroupByKey()
            | 'CommitPane' >> beam.ParDo(_CommitPaneFn(self._config, self._run_id)))
