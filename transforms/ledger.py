"""The ingest ledger: what earlier runs ingested, so that scheduled re-runs add only what is new.

Every published run adds one ledger row per article it wrote (keyed by
``article_id``, which hashes the source id and the text) and per dead letter
(keyed by the source, stage, reason and content), in the ``ingest_ledger``
table, published atomically with the run's other files.  ``ReadLedger`` reads
the rows of earlier runs; ``SkipIngested`` drops what they already hold.  A run
that crashed before publishing left no ledger rows, so its articles are simply
ingested again.

``SkipIngested`` loads the ledger's keys itself, once per worker process, from
the files listed when the pipeline is built, rather than as a side input: a side
input would cut the fused stage from reading to writing in two and make the
runner hold every article of the run in memory in between.
"""
import functools
import glob
from typing import Callable, FrozenSet, Sequence, Tuple

import apache_beam as beam
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from schemas.fields import LEDGER
from transforms.dead_letter import METRICS_NAMESPACE

_COLUMNS = ['key', 'kind', 'source_uri', 'minhash', 'ingested_at']


def ledger_files(output_dir: str) -> list:
    pattern = FileSystems.join(output_dir, 'parquet', LEDGER.name, '*', '*.parquet')
    if FileSystems.get_scheme(pattern) is None:
        return sorted(glob.glob(pattern))
    return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)


class ReadLedger(beam.PTransform):
    """PBegin -> PCollection[dict]: the rows of the given ledger files (``ledger_files``)."""

    def __init__(self, files: Sequence[str]):
        super().__init__()
        self._files = list(files)

    def expand(self, pbegin):
        if not self._files:
            return pbegin | 'NoLedger' >> beam.Create([])
        return (pbegin
                | 'LedgerFiles' >> beam.Create(self._files)
                | 'ReadLedgerFiles' >> beam.io.ReadAllFromParquet(columns=_COLUMNS))


@functools.lru_cache(maxsize=4)
def ledger_keys(files: Tuple[str, ...]) -> FrozenSet[str]:
    """Every key in the given ledger files, read once per process."""
    keys = set()
    for path in files:
        with FileSystems.open(path) as handle:
            keys.update(pq.read_table(handle, columns=['key']).column('key').to_pylist())
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
      files: the ledger files of the published runs (``ledger_files(output_dir)`` when the
        pipeline is built).
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
