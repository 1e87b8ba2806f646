"""The ingest ledger: what earlier runs ingested, so that scheduled re-runs add only what is new.

Every published run adds one ledger row per article it wrote (keyed by
``article_id``, which hashes the source id and the text) and per dead letter
(keyed by the source, stage, reason and content), in the ``ingest_ledger``
table, published atomically with the run's other files.  ``ReadLedger`` reads
the rows of earlier runs; ``SkipIngested`` drops what they already hold.  A run
that crashed before publishing left no ledger rows, so its articles are simply
ingested again.
"""
import glob
from typing import Callable

import apache_beam as beam
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
    """PBegin -> PCollection[dict]: the ledger rows of the published runs in ``output_dir``."""

    def __init__(self, output_dir: str):
        super().__init__()
        # Listed at construction: the files of runs published later do not concern this one.
        self._files = ledger_files(output_dir)

    def expand(self, pbegin):
        if not self._files:
            return pbegin | 'NoLedger' >> beam.Create([])
        return (pbegin
                | 'LedgerFiles' >> beam.Create(self._files)
                | 'ReadLedgerFiles' >> beam.io.ReadAllFromParquet(columns=_COLUMNS))


class _SkipFn(beam.DoFn):
    def __init__(self, key_of: Callable, counter: str):
        self._key_of = key_of
        self._skipped = Metrics.counter(METRICS_NAMESPACE, counter)

    def process(self, element, known: dict):
        if self._key_of(element) in known:
            self._skipped.inc()
        else:
            yield element


class SkipIngested(beam.PTransform):
    """Drops elements whose ledger key an earlier run already holds.

    Args:
      ledger: PCollection of ledger rows (from ``ReadLedger``).
      key_of: element -> ledger key.
      counter: name of the counter of skipped elements.
    """

    def __init__(self, ledger, key_of: Callable, counter: str):
        super().__init__()
        self._ledger = ledger
        self._key_of = key_of
        self._counter = counter

    def expand(self, pcoll):
        known = self._ledger | 'Keys' >> beam.Map(lambda row: (row['key'], None))
        return pcoll | 'Skip' >> beam.ParDo(_SkipFn(self._key_of, self._counter), beam.pvalue.AsDict(known))
