"""The ingest ledger: what earlier runs ingested, so that scheduled re-runs add only what is new.

Every committed run adds one ledger row per article it wrote (keyed by
``article_id``, which hashes the source id and the text) and per dead letter
(keyed by the source, stage, reason and content) to the ``news.ingest_ledger``
Iceberg table, committed after the run's other tables.  ``ReadLedger`` reads the
rows of earlier runs; ``SkipIngested`` drops what they already hold.  A run that
was killed before its commits left no ledger rows, so its articles are ingested
again.

Both read the data files of the ledger's snapshot when the pipeline is built
(``Warehouse.current_files``).  ``SkipIngested`` loads the keys itself, once per
worker process, rather than as a side input: a side input would cut the fused
stage from reading to writing in two and make the runner hold every article of
the run in memory in between.
"""
import functools
from typing import Callable, FrozenSet, Iterable, Sequence, Tuple

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.metrics import Metrics

from transforms.core import files as warehouse_files
from transforms.dead_letter import METRICS_NAMESPACE

_COLUMNS = ['key', 'kind', 'source_uri', 'minhash', 'ingested_at']


def read_columns(path: str, columns: Sequence[str]):
    """The given columns of one ledger data file, as an Arrow table."""
    filesystem, inner = warehouse_files.resolve(path)
    # One file, not a dataset: the folder name (ingest_date=...) must not become a second column.
    with filesystem.open_input_file(inner) as handle:
        return pq.ParquetFile(handle).read(columns=list(columns))


def _rows(path: str) -> Iterable[dict]:
    yield from read_columns(path, _COLUMNS).to_pylist()


class ReadLedger(beam.PTransform):
    """PBegin -> PCollection[dict]: the rows of the given ledger data files."""

    def __init__(self, files: Sequence[str]):
        super().__init__()
        self._files = list(files)

    def expand(self, pbegin):
        return (pbegin
                | 'LedgerFiles' >> beam.Create(self._files)
                | 'ReadLedgerFiles' >> beam.FlatMap(_rows))


@functools.lru_cache(maxsize=4)
def ledger_keys(files: Tuple[str, ...]) -> FrozenSet[str]:
    """Every key in the given ledger files, read once per process."""
    keys = set()
    for path in files:
        keys.update(read_columns(path, ['key']).column('key').to_pylist())
    return frozenset(keys)


class _SkipFn(beam.DoFn):
    def __init__(self, files: Sequence[str], key_of: Callable, counter: str):
        self._files = tuple(files)
        self._key_of = key_of
        self._skipped = Metrics.counter(METRICS_NAMESPACE, counter)

    def setup(self):
        self._known = ledger_keys(self._files)

    def process(self, element):
        if self._key_of(element) in self._known:
            self._skipped.inc()
        else:
            yield element


class SkipIngested(beam.PTransform):
    """Drops elements whose ledger key an earlier run already holds.

    Args:
      files: the ledger's data files when the pipeline is built.
      key_of: element -> ledger key.
      counter: name of the counter of skipped elements.
    """

    def __init__(self, files: Sequence[str], key_of: Callable, counter: str):
        super().__init__()
        self._files = tuple(files)
        self._key_of = key_of
        self._counter = counter

    def expand(self, pcoll):
        return pcoll | 'Skip' >> beam.ParDo(_SkipFn(self._files, self._key_of, self._counter))
