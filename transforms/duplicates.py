"""Syndicated and re-sent copies: ``articles.duplicate_of`` points at the first copy.

The same wire story arrives from several outlets, or again with a corrected
word.  Each article body gets a MinHash signature of its word 3-grams
(``datasketch``); locality-sensitive hashing bands it into buckets tuned for an
estimated Jaccard similarity of ``THRESHOLD``; articles that share a bucket and
are similar enough are copies.  The first copy is the one ingested by an
earlier run (its signature is in the ingest ledger), else the earliest
published, else the first by source.

Finding the first copy needs every article of the run, which a pipeline can only
know after reading them all.  A batch run therefore takes two passes: a cheap one
(read, clean, sign: no NLP) in which ``DetectDuplicates`` finds the copies and
``WriteVerdicts`` stores ``{article_id: Verdict}`` for them, a small file; then
the main pass, in which ``MarkDuplicates`` loads that file once per worker and
marks the articles as they stream by.  (As a side input it would cut the main
pass in two and make the runner hold every article in memory at the cut.)  The
same article (same source id and text) read twice in one run is kept once: the
copy from the first source URI; the others are counted as skipped, so the run
summary still balances.

``DetectDuplicates`` gathers one small ``Candidate`` per article (ids, order and
the 512-byte signature: about 0.7 KB) in one worker and bands them there.  Keying
a GroupByKey by band instead would send every signature once per band (9 times),
and the in-memory runner holds a GroupByKey's input whole: at 10,000 articles
this pass peaked at 618 MB that way and peaks at 362 MB now.  Earlier runs' articles join
only when one of their bands matches a band of this run, so the gathered list
grows with the run, not with the archive.
"""
import functools
import hashlib
import itertools
import json
import re
from collections import defaultdict
from typing import Iterable, List, NamedTuple, Optional, Tuple

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from datasketch import MinHash, MinHashLSH

from schemas.records import Article
from transforms.dead_letter import METRICS_NAMESPACE

NUM_PERM = 128
THRESHOLD = 0.8
SHINGLE_WORDS = 3
_SEED = 1
_WORD = re.compile(r'\w+')
_SIGNATURE_DTYPE = np.dtype('<u4')
_BAND_KEY_DTYPE = np.dtype('<u8')
# Sorts after every ISO timestamp: articles without a publication time come last.
_UNDATED = '~'


@functools.lru_cache(maxsize=1)
def _bands() -> Tuple[int, int]:
    """(bands, rows per band) that datasketch finds best for THRESHOLD and NUM_PERM."""
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def signature(body: str) -> bytes:
    """MinHash of the body's lower-cased word 3-grams, as NUM_PERM little-endian uint32."""
    words = _WORD.findall(body.lower())
    shingles = [' '.join(words[i:i + SHINGLE_WORDS]).encode() for i in range(max(1, len(words) - SHINGLE_WORDS + 1))]
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED)
    minhash.update_batch(shingles)
    return minhash.hashvalues.astype(_SIGNATURE_DTYPE).tobytes()


def with_signature(article: Article) -> Article:
    return article._replace(minhash=signature(article.body))


def similarity(left: bytes, right: bytes) -> float:
    """Estimated Jaccard similarity of two signatures."""
    a = np.frombuffer(left, dtype=_SIGNATURE_DTYPE)
    b = np.frombuffer(right, dtype=_SIGNATURE_DTYPE)
    return float(np.count_nonzero(a == b)) / NUM_PERM


def band_keys(sig: bytes) -> np.ndarray:
    """The signature's LSH bucket in each band, as uint64: a hash of the band's rows and its index."""
    bands, rows = _bands()
    width = rows * _SIGNATURE_DTYPE.itemsize
    digests = b''.join(hashlib.blake2b(sig[band * width:(band + 1) * width], digest_size=8,
                                       salt=band.to_bytes(2, 'little')).digest()
                       for band in range(bands))
    return np.frombuffer(digests, dtype=_BAND_KEY_DTYPE)


class Candidate(NamedTuple):
    """One article that may copy, or be copied by, another."""
    order: Tuple[int, str, str]   # (0 for earlier runs / 1 for this run, published or ingested time, source URI)
    article_id: str
    signature: bytes
    in_this_run: bool


class Verdict(NamedTuple):
    original: Optional[str]       # article_id of the first copy, for a near-duplicate
    keep_source_uri: Optional[str]  # for the same article read twice: the one copy to keep


def candidate_of(article: Article) -> Candidate:
    return Candidate((1, article.published_at or _UNDATED, article.source_uri), article.article_id,
                     article.minhash, True)


def candidate_of_ledger(row: dict) -> Candidate:
    return Candidate((0, row['ingested_at'].isoformat(), row['source_uri']), row['key'], row['minhash'], False)


def _copies_in_bucket(members: List[Candidate]) -> Iterable[Tuple[str, Tuple]]:
    """Members of one LSH bucket, in order -> (article_id, (order, original_id)) for each article of
    this run that copies an earlier member: the first similar one."""
    for index, later in enumerate(members):
        if not later.in_this_run:
            continue
        for earlier in members[:index]:
            if earlier.article_id != later.article_id and similarity(earlier.signature, later.signature) >= THRESHOLD:
                yield later.article_id, (earlier.order, earlier.article_id)
                break


def find_copies(current: List[Candidate], earlier: Iterable[Candidate]) -> Iterable[Tuple[str, Verdict]]:
    """This run's candidates and earlier runs' -> (article_id, Verdict) for each article of this run that
    copies another: the first copy among the similar articles it shares an LSH bucket with."""
    buckets = defaultdict(list)
    for candidate in sorted(itertools.chain(current, earlier)):
        for key in band_keys(candidate.signature).tolist():
            buckets[key].append(candidate)
    firsts = {}
    for members in buckets.values():
        if len(members) > 1:
            for article_id, first in _copies_in_bucket(members):
                firsts[article_id] = min(first, firsts.get(article_id, first))
    for article_id, (_, original) in sorted(firsts.items()):
        yield article_id, Verdict(original, None)


class _BandKeysFn(beam.CombineFn):
    """Candidates -> the sorted, unique LSH buckets of their signatures (uint64: 8 bytes per bucket)."""
    _COMPACT_EVERY = 1024

    def create_accumulator(self) -> List[np.ndarray]:
        return []

    def add_input(self, parts: List[np.ndarray], candidate: Candidate) -> List[np.ndarray]:
        parts.append(band_keys(candidate.signature))
        return [self.extract_output(parts)] if len(parts) >= self._COMPACT_EVERY else parts

    def merge_accumulators(self, accumulators) -> List[np.ndarray]:
        return [self.extract_output([part for parts in accumulators for part in parts])]

    def extract_output(self, parts: List[np.ndarray]) -> np.ndarray:
        return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=_BAND_KEY_DTYPE)


def _shares_a_band(candidate: Candidate, buckets: np.ndarray) -> bool:
    """Whether the candidate falls in one of the (sorted) buckets."""
    if not len(buckets):
        return False
    own = band_keys(candidate.signature)
    return bool(np.any(buckets[np.minimum(np.searchsorted(buckets, own), len(buckets) - 1)] == own))


def _same_article_read_twice(group):
    article_id, source_uris = group
    source_uris = sorted(set(source_uris))
    if len(source_uris) > 1:
        yield article_id, Verdict(None, source_uris[0])


def _merge_verdicts(verdicts):
    original = next((v.original for v in verdicts if v.original), None)
    keep = next((v.keep_source_uri for v in verdicts if v.keep_source_uri), None)
    return Verdict(original, keep)


class DetectDuplicates(beam.PTransform):
    """(articles of this run, ledger rows of earlier runs) -> PCollection[(article_id, Verdict)] for copies only."""

    def __init__(self, ledger_articles):
        super().__init__()
        self._ledger_articles = ledger_articles

    def expand(self, articles):
        current = articles | 'Candidates' >> beam.Map(candidate_of)
        buckets = current | 'BucketsOfThisRun' >> beam.CombineGlobally(_BandKeysFn())
        earlier = (self._ledger_articles
                   | 'EarlierCandidates' >> beam.Map(candidate_of_ledger)
                   | 'SharingABucket' >> beam.Filter(_shares_a_band, beam.pvalue.AsSingleton(buckets)))
        near = (current
                | 'GatherCandidates' >> beam.combiners.ToList()
                | 'FindCopies' >> beam.FlatMap(find_copies, beam.pvalue.AsList(earlier)))
        twice = (
            articles
            | 'BySourceId' >> beam.Map(lambda a: (a.article_id, a.source_uri))
            | 'GroupSameArticle' >> beam.GroupByKey()
            | 'ReadTwice' >> beam.FlatMap(_same_article_read_twice))
        return ((near, twice)
                | 'AllVerdicts' >> beam.Flatten()
                | 'OneVerdictPerArticle' >> beam.CombinePerKey(_merge_verdicts))


def _write_verdicts(verdicts: List[Tuple[str, Verdict]], path: str) -> str:
    # Whole or not at all: a temporary name, then a rename.
    partial = f'{path}.partial'
    with FileSystems.create(partial) as handle:
        handle.write(json.dumps({article_id: list(verdict) for article_id, verdict in verdicts}).encode())
    FileSystems.rename([partial], [path])
    return path


class WriteVerdicts(beam.PTransform):
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


class MarkDuplicates(beam.PTransform):
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


class DropRedeliveries(beam.PTransform):
    """Streaming: PCollection[Article] (global window) -> the first delivery of each article."""

    def expand(self, articles):
        return (articles
                | 'KeyByArticle' >> beam.Map(lambda a: (a.article_id, a)).with_output_types(Tuple[str, Article])
                | 'FirstDelivery' >> beam.ParDo(_FirstDeliveryFn()))
