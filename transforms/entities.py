"""Named entities: spaCy NER over article bodies, one EntityMention per mention.

``ExtractEntities`` takes ``PCollection[Article]`` and returns
``StageResult(outputs: PCollection[AnnotatedArticle], dead_letters)``: each article
with its mentions (label from the model's OntoNotes scheme, character offsets
into ``body``, the article-level ``canonical`` name) and its sentence starts, so
that later stages (events) reuse them without a join.  The model is loaded once
per worker process through ``shared.Shared`` and runs over batches with
``nlp.pipe``, NER only: no tagger, parser or lemmatizer.
"""
import hashlib
import logging
import time
from bisect import bisect_right
from typing import Iterable, List

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.utils import shared
from spacy.tokens import Span

from schemas.records import AnnotatedArticle, Article, DeadLetter, EntityMention
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, StageResult, excerpt
from transforms.nlp.canonical import canonicalize
from transforms.nlp.model import DEFAULT_MODEL, SharedModel, load_ner

STAGE = 'entities'
_LOG = logging.getLogger('newsbeam')
# Batches are sized in words: spaCy's throughput flattens out near 64 short (190-word)
# documents per batch (BEAM-NOTES), while 64 long articles (500+ words) only add memory:
# the NER's peak grows with the words in flight (measured: 450 MB at 8 articles of 520
# words, 1 GB at 64).
MIN_BATCH_WORDS, MAX_BATCH_WORDS = 1_000, 8_000


def entity_id_of(article_id: str, start: int, end: int, label: str) -> str:
    return hashlib.sha256(f'{article_id}:{start}:{end}:{label}'.encode()).hexdigest()[:32]


_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})


def name_span(ent):
    """The entity without a leading article or a trailing possessive.

    OntoNotes (and so the model) puts "the" inside names ("the United States") and
    sometimes the possessive too; the name itself is what analysts group by and
    what other annotation schemes (CoNLL, ACE) mark.  A capitalised "The" inside a
    sentence is part of the name ("The Hague") and stays.
    """
    start, end = 0, len(ent)
    first = ent[0]
    if end > 1 and first.lower_ == 'the' and (first.text == 'the' or first.is_sent_start):
        start = 1
    if end - start > 1 and ent[end - 1].text in _POSSESSIVES:
        end -= 1
    if (start, end) == (0, len(ent)):
        return ent
    return Span(ent.doc, ent.start + start, ent.start + end, label=ent.label)


def annotate(article: Article, doc) -> AnnotatedArticle:
    """Plain records from a spaCy Doc of ``article.body``; the Doc itself never leaves this stage."""
    sentence_starts = [sent.start_char for sent in doc.sents] if doc.has_annotation('SENT_START') else [0]
    if not sentence_starts or sentence_starts[0] != 0:
        sentence_starts = [0] + sentence_starts
    ents = [name_span(e) for e in doc.ents]
    canonical = canonicalize([(e.text, e.label_) for e in ents])
    mentions = tuple(
        EntityMention(
            article_id=article.article_id,
            entity_id=entity_id_of(article.article_id, e.start_char, e.end_char, e.label_),
            text=e.text,
            label=e.label_,
            canonical=name,
            start_char=e.start_char,
            end_char=e.end_char,
            sentence_index=bisect_right(sentence_starts, e.start_char) - 1,
        ) for e, name in zip(ents, canonical))
    return AnnotatedArticle(article, mentions, tuple(sentence_starts))


class _ProgressLog:
    """Logs how many articles this worker has annotated, at most once per PROGRESS_SECONDS."""
    PROGRESS_SECONDS = 15.0

    def __init__(self):
        self._started = self._last = time.monotonic()
        self._count = 0

    def add(self, count: int) -> None:
        self._count += count
        now = time.monotonic()
        if now - self._last >= self.PROGRESS_SECONDS:
            self._last = now
            _LOG.info('%d articles through NER in this worker (%.1f articles/s)',
                      self._count, self._count / (now - self._started))


class _AnnotateBatchFn(beam.DoFn):
    """Runs NER over a batch of Articles; an article that fails alone becomes a dead letter."""

    def __init__(self, model: str):
        self._model = model
        self._shared = shared.Shared()
        self._mentions = Metrics.counter(METRICS_NAMESPACE, 'entity_mentions')
        self._bad = Metrics.counter(METRICS_NAMESPACE, f'dead_letter_{STAGE}')

    def setup(self):
        model = self._model
        self._nlp = self._shared.acquire(lambda: SharedModel(load_ner(model)), tag=f'ner:{model}').nlp
        self._progress = _ProgressLog()

    def process(self, batch: List[Article]) -> Iterable:
        try:
            docs = list(self._nlp.pipe([a.body for a in batch], batch_size=len(batch)))
        except Exception:  # pylint: disable=broad-except
            # One bad text must not take its batch-mates with it: retry them one by one.
            docs = None
        for index, article in enumerate(batch):
            try:
                doc = docs[index] if docs is not None else self._nlp(article.body)
                result = annotate(article, doc)
            except Exception as error:  # pylint: disable=broad-except
                self._bad.inc()
                yield pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                    article.source_uri, article.source_id, STAGE, f'{type(error).__name__}: {error}',
                    excerpt(article.text)))
                continue
            self._mentions.inc(len(result.entities))
            yield result
        self._progress.add(len(batch))


class ExtractEntities(beam.PTransform):
    """PCollection[Article] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters).

    Args:
      model: name of an installed spaCy pipeline package.
    """

    def __init__(self, model: str = DEFAULT_MODEL):
        super().__init__()
        self._model = model

    def expand(self, articles):
        results = (
            articles
            | 'Batch' >> beam.BatchElements(min_batch_size=MIN_BATCH_WORDS, max_batch_size=MAX_BATCH_WORDS,
                                            element_size_fn=_words)
            | 'RunNer' >> beam.ParDo(_AnnotateBatchFn(self._model)).with_outputs(DEAD_LETTER, main='annotated'))
        return StageResult(results.annotated, results[DEAD_LETTER])


def _words(article: Article) -> int:
    return max(1, article.body.count(' ') + 1)
