"""Syndicated and re-sent copies: MinHash signatures of bodies, LSH buckets and the first copy.  No Beam.

The same wire story arrives from several outlets, or again with a corrected word.  Each article
body gets a MinHash signature of its word 3-grams (``datasketch``); locality-sensitive hashing
bands it into buckets tuned for an estimated Jaccard similarity of ``THRESHOLD``; articles that
share a bucket and are similar enough are copies.  The first copy is the one ingested by an
earlier run (its signature is in the ingest ledger), else the earliest published, else the first
by source.  ``transforms/duplicates.py`` runs this over a run's articles.
"""
import functools
import hashlib
import itertools
import re
from collections import defaultdict
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
from datasketch import MinHash, MinHashLSH

from schemas.records import Article

NUM_PERM = 128
THRESHOLD = 0.8
SHINGLE_WORDS = 3
_SEED = 1
_WORD = re.compile(r'\w+')
_SIGNATURE_DTYPE = np.dtype('<u4')
BAND_KEY_DTYPE = np.dtype('<u8')
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
    return np.frombuffer(digests, dtype=BAND_KEY_DTYPE)


class CopyCandidate(NamedTuple):
    """One article that may copy, or be copied by, another."""
    order: Tuple[int, str, str]   # (0 for earlier runs / 1 for this run, published or ingested time, source URI)
    article_id: str
    signature: bytes
    in_this_run: bool


class Verdict(NamedTuple):
    original: Optional[str]       # article_id of the first copy, for a near-duplicate
    keep_source_uri: Optional[str]  # for the same article read twice: the one copy to keep


def candidate_of(article: Article) -> CopyCandidate:
    return CopyCandidate((1, article.published_at or _UNDATED, article.source_uri), article.article_id,
                     article.minhash, True)


def candidate_of_ledger(row: dict) -> CopyCandidate:
    return CopyCandidate((0, row['ingested_at'].isoformat(), row['source_uri']), row['key'], row['minhash'], False)


def _copies_in_bucket(members: List[CopyCandidate]) -> Iterable[Tuple[str, Tuple]]:
    """Members of one LSH bucket, in order -> (article_id, (order, original_id)) for each article of
    this run that copies an earlier member: the first similar one."""
    for index, later in enumerate(members):
        if not later.in_this_run:
            continue
        for earlier in members[:index]:
            if earlier.article_id != later.article_id and similarity(earlier.signature, later.signature) >= THRESHOLD:
                yield later.article_id, (earlier.order, earlier.article_id)
                break


def find_copies(current: List[CopyCandidate], earlier: Iterable[CopyCandidate]) -> Iterable[Tuple[str, Verdict]]:
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


def shares_a_band(candidate: CopyCandidate, buckets: np.ndarray) -> bool:
    """Whether the candidate falls in one of the (sorted) buckets."""
    if not len(buckets):
        return False
    own = band_keys(candidate.signature)
    return bool(np.any(buckets[np.minimum(np.searchsorted(buckets, own), len(buckets) - 1)] == own))


def same_article_read_twice(group: Tuple[str, Iterable[str]]) -> Iterable[Tuple[str, Verdict]]:
    """(article_id, its source URIs) -> the verdict that keeps one copy, when it was read from several."""
    article_id, source_uris = group
    source_uris = sorted(set(source_uris))
    if len(source_uris) > 1:
        yield article_id, Verdict(None, source_uris[0])


def merge_verdicts(verdicts: Sequence[Verdict]) -> Verdict:
    """One article's verdicts (a near-duplicate, read twice) as one."""
    original = next((v.original for v in verdicts if v.original), None)
    keep = next((v.keep_source_uri for v in verdicts if v.keep_source_uri), None)
    return Verdict(original, keep)
