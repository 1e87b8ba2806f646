"""Named entities: spaCy NER over article bodies, one EntityMention per mention.

``ExtractEntities`` takes ``PCollection[Article]`` and returns
``StageResult(outputs: PCollection[AnnotatedArticle], dead_letters)``: each article
with its mentions (label from the model's OntoNotes scheme, character offsets
into ``body``, the article-level ``canonical`` name) and its sentence starts, so
that later stages (events) reuse them without a join.  The model is loaded once
per worker process through ``shared.Shared`` and runs over batches with
``nlp.pipe``, NER only: no tagger, parser or lemmatizer.

A long body is run in pieces of at most ``MAX_PIECE_CHARS``, cut where its
tokens part anyway (``transforms.nlp.pieces``), and joined back into one Doc.
One 119 KB article (19,000 words, in the Tehran Times corpus) run whole made
one call allocate some 400 MB, which set the run's peak memory; a 1 MB
article, which the reader accepts, would need about 4 GB.  The NER sees four
tokens either side of a word, so the pieces keep almost all of the whole
text's entities and sentences: of the corpus's 37 bodies over the limit, two
lose one entity next to a cut and three move one sentence start there by a
character.
"""
import hashlib
import logging
import time
from bisect import bisect_right
from typing import Iterable, List, Sequence

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.utils import shared
from spacy.tokens import Doc, Span

from schemas.records import AnnotatedArticle, Article, DeadLetter, EntityMention
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, StageResult, excerpt
from transforms.core.canonical import canonicalize
from transforms.core.model import DEFAULT_MODEL, SharedModel, load_ner
from transforms.core.pieces import piece_ends

STAGE = 'entities'
_LOG = logging.getLogger('newsbeam')
# Batches are sized in words: spaCy's throughput flattens out near 64 short (190-word)
# documents per batch (BEAM-NOTES), while 64 long articles (500+ words) only add memory:
# the NER's peak grows with the words in flight (measured: 450 MB at 8 articles of 520
# words, 1 GB at 64).  At 4,000 words a run of 2,000 Tehran Times articles peaked at 524 MB
# against 560 MB at 8,000, in the same time (182 s against 183 s).
MIN_BATCH_WORDS, MAX_BATCH_WORDS = 1_000, 4_000
# Longer bodies are run in pieces (see the module docstring): about 1,700 words; 37 of the 1,000
# Tehran Times dev articles are longer.  40,000 characters still left a 120 MB spike per long article.
MAX_PIECE_CHARS = 10_000


def _pieces(text: str, max_chars: int) -> List[str]:
    starts = [0] + piece_ends(text, max_chars)
    return [text[start:end] for start, end in zip(starts, starts[1:])]


def _word_bounded(texts: Sequence[str], max_words: int = MAX_BATCH_WORDS) -> Iterable[List[str]]:
    """``texts`` in order, in consecutive groups of at most ``max_words`` words (a longer text alone)."""
    group, words = [], 0
    for text in texts:
        size = _words_of(text)
        if group and words + size > max_words:
            yield group
            group, words = [], 0
        group.append(text)
        words += size
    if group:
        yield group


def run_ner(nlp, bodies: Sequence[str], max_piece_chars: int = MAX_PIECE_CHARS) -> List[Doc]:
    """One Doc per body, long bodies run in pieces and joined back, at most MAX_BATCH_WORDS per call."""
    pieces = [_pieces(body, max_piece_chars) for body in bodies]
    flat = [piece for body_pieces in pieces for piece in body_pieces]
    piece_docs = (doc for group in _word_bounded(flat) for doc in nlp.pipe(group, batch_size=len(group)))
    docs = []
    for body_pieces in pieces:
        parts = [next(piece_docs) for _ in body_pieces]
        docs.append(parts[0] if len(parts) == 1 else Doc.from_docs(parts, ensure_whitespace=False))
    return docs


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
            docs = run_ner(self._nlp, [a.body for a in batch])
        except Exception:  # pylint: disable=broad-except
            # One bad text must not take its batch-mates with it: retry them one by one.
            docs = None
        for index, article in enumerate(batch):
            try:
                doc = docs[index] if docs is not None else run_ner(self._nlp, [article.body])[0]
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


def _words_of(text: str) -> int:
    return max(1, text.count(' ') + 1)


def _words(article: Article) -> int:
    return _words_of(article.body)
