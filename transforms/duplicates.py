"""Near-duplicates in a run: ``articles.duplicate_of`` points at the first copy.

How copies are recognised (MinHash signatures, LSH buckets, which copy is first) is
``transforms.core.duplicates``; this module runs it over a run.  Finding the first copy needs
every article of the run, which a pipeline can only know after reading them all.  A batch run
therefore takes two passes: a cheap one (read, clean, sign: no NLP) in which
``DetectDuplicates`` finds the copies and ``WriteVerdicts`` stores ``{article_id: Verdict}`` for
them, a small file; then the main pass, in which ``MarkDuplicates`` loads that file once per
worker and marks the articles as they stream by.  (As a side input it would cut the main pass in
two and make the runner hold every article in memory at the cut.)  The same article (same
source id and text) read twice in one run is kept once: the copy from the first source URI; the
others are counted as skipped, so the run summary still balances.

``DetectDuplicates`` gathers one small ``CopyCandidate`` per article (ids, order and the
512-byte signature: about 0.7 KB) in one worker and bands them there.  Keying a GroupByKey by
band instead would send every signature once per band, and the in-memory runner holds a
GroupByKey's input whole.  Earlier runs' articles join only when one of their bands matches a
band of this run, so the gathered list grows with the run, not with the archive.
"""
import functools
import json
from typing import Iterable, List, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import Article
from transforms.core.duplicates import (BAND_KEY_DTYPE, CopyCandidate, Verdict, band_keys, candidate_of,
                                        candidate_of_ledger, find_copies, merge_verdicts, same_article_read_twice,
                                        shares_a_band)
from transforms.dead_letter import METRICS_NAMESPACE


class _BandKeysFn(beam.CombineFn):
    """CopyCandidates -> the sorted, unique LSH buckets of their signatures (uint64: 8 bytes per bucket)."""
    _COMPACT_EVERY = 1024

    def create_accumulator(self) -> List[np.ndarray]:
        return []

    def add_input(self, parts: List[np.ndarray], candidate: CopyCandidate) -> List[np.ndarray]:
        parts.append(band_keys(candidate.signature))
        return [self.extract_output(parts)] if len(parts) >= self._COMPACT_EVERY else parts

    def merge_accumulators(self, accumulators) -> List[np.ndarray]:
        return [self.extract_output([part for parts in accumulators for part in parts])]

    def extract_output(self, parts: List[np.ndarray]) -> np.ndarray:
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=BAND_KEY_DTYPE)


class DetectDuplicates(beam.PTransform[PCollection[Article], PCollection[Tuple[str, Verdict]]]):
    """(articles of this run, ledger rows of earlier runs) -> PCollection[(article_id, Verdict)] for copies only."""

    def __init__(self, ledger_articles: PCollection[dict]):
        super().__init__()
        self._ledger_articles = ledger_articles

    def expand(self, articles: PCollection[Article]) -> PCollection[Tuple[str, Verdict]]:
        current = articles | 'Candidates' >> beam.Map(candidate_of)
        buckets = current | 'BucketsOfThisRun' >> beam.CombineGlobally(_BandKeysFn())
        earlier = (self._ledger_articles
                   | 'EarlierCandidates' >> beam.Map(candidate_of_ledger)
                   | 'SharingABucket' >> beam.Filter(shares_a_band, beam.pvalue.AsSingleton(buckets)))
        near = (current
                | 'GatherCandidates' >> beam.combiners.ToList()
                | 'FindCopies' >> beam.FlatMap(find_copies, beam.pvalue.AsList(earlier)))
        twice = (
            articles
            | 'BySourceId' >> beam.Map(lambda a: (a.article_id, a.source_uri))
            | 'GroupSameArticle' >> beam.GroupByKey()
            | 'ReadTwice' >> beam.FlatMap(same_article_read_twice))
        return ((near, twice)
                | 'AllVerdicts' >> beam.Flatten()
                | 'OneVerdictPerArticle' >> beam.CombinePerKey(merge_verdicts))


def _write_verdicts(verdicts: List[Tuple[str, Verdict]], path: str) -> str:
    # Whole or not at all: a temporary name, then a rename.
    partial = f'{path}.partial'
    with FileSystems.create(partial) as handle:
        handle.write(json.dumps({article_id: list(verdict) for article_id, verdict in verdicts}).encode())
    FileSystems.rename([partial], [path])
    return path


class WriteVerdicts(beam.PTransform[PCollection[Tuple[str, Verdict]], PCollection[str]]):
    """PCollection[(article_id, Verdict)] -> the path of the JSON file that now holds them all."""

    def __init__(self, path: str):
        super().__init__()
        self._path = path

    def expand(self, verdicts):
        return (verdicts
                | 'AllVerdicts' >> beam.combiners.ToList()
                | 'WriteVerdictFile' >> beam.Map(_write_verdicts, self._path))


@functools.lru_cache(maxsize=4)
def load_verdicts(path: str) -> dict:
    """{article_id: Verdict} from a WriteVerdicts file, read once per process."""
    with FileSystems.open(path) as handle:
        return {article_id: Verdict(*verdict) for article_id, verdict in json.loads(handle.read()).items()}


class _MarkFn(beam.DoFn):
    def __init__(self, verdicts_path: str):
        self._path = verdicts_path
        self._duplicates = Metrics.counter(METRICS_NAMESPACE, 'near_duplicates')
        self._skipped = Metrics.counter(METRICS_NAMESPACE, 'articles_skipped')

    def setup(self):
        self._verdicts = load_verdicts(self._path)

    def process(self, article: Article) -> Iterable[Article]:
        verdict = self._verdicts.get(article.article_id)
        if verdict is None:
            yield article
        elif verdict.keep_source_uri and article.source_uri != verdict.keep_source_uri:
            self._skipped.inc()
        else:
            if verdict.original:
                self._duplicates.inc()
            yield article._replace(duplicate_of=verdict.original)


class MarkDuplicates(beam.PTransform[PCollection[Article], PCollection[Article]]):
    """PCollection[Article] -> PCollection[Article] with duplicate_of set and repeated reads dropped.

    Args:
      verdicts_path: the file ``WriteVerdicts`` wrote in the first pass.
    """

    def __init__(self, verdicts_path: str):
        super().__init__()
        self._path = verdicts_path

    def expand(self, articles):
        return articles | 'Mark' >> beam.ParDo(_MarkFn(self._path))


class _FirstDeliveryFn(beam.DoFn):
    """Passes the first delivery of each article id; drops re-deliveries for RETENTION seconds.

    Runs on articles keyed by article_id in the global window, so a message the
    stream delivers again (a consumer restart, a producer retry) is dropped however
    far apart the two deliveries are in event time.
    """
    SEEN = beam.transforms.userstate.ReadModifyWriteStateSpec('seen', beam.coders.BooleanCoder())
    EXPIRY = beam.transforms.userstate.TimerSpec('expiry', beam.transforms.timeutil.TimeDomain.WATERMARK)
    RETENTION_SECONDS = 7 * 24 * 3600

    def __init__(self):
        self._skipped = Metrics.counter(METRICS_NAMESPACE, 'articles_skipped')

    def process(self, keyed, timestamp=beam.DoFn.TimestampParam, seen=beam.DoFn.StateParam(SEEN),
                expiry=beam.DoFn.TimerParam(EXPIRY)):
        _, article = keyed
        if seen.read():
            self._skipped.inc()
        else:
            seen.write(True)
            expiry.set(timestamp + self.RETENTION_SECONDS)
            yield article

    @beam.transforms.userstate.on_timer(EXPIRY)
    def forget(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()


class DropRedeliveries(beam.PTransform[PCollection[Article], PCollection[Article]]):
    """Streaming: PCollection[Article] (global window) -> the first delivery of each article."""

    def expand(self, articles):
        return (articles
                | 'KeyByArticle' >> beam.Map(lambda a: (a.article_id, a)).with_output_types(Tuple[str, Article])
                | 'FirstDelivery' >> beam.ParDo(_FirstDeliveryFn()))
