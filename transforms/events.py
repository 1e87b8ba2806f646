"""PLOVER events: who did what to whom, where and when, one ``Event`` per trigger kept.

``ExtractEvents`` takes ``PCollection[AnnotatedArticle]`` (entities, sentence
starts and time expressions filled) and returns ``StageResult(outputs:
PCollection[AnnotatedArticle] with events filled, dead_letters)``.

The dependency parse is the expensive part, so it runs only where an event can
be: a regex of the inflected forms of the lexicon's trigger words picks candidate
sentences from the raw text (using the entity stage's sentence starts), and only
those go through ``load_parser()`` (loaded once per worker through ``shared.Shared``);
only the tokens the regex found are looked up in the lexicon.  Articles come in
batches (``beam.BatchElements``) whose candidate sentences are parsed in one
``nlp.pipe``; an article that fails alone becomes a dead letter.  The rules
themselves are Beam-free, in ``transforms/nlp/``: ``sentences`` (candidate sentences),
``trigger_index`` (the lexicon and its regex), ``roles`` and ``actors`` (who, and which
country), ``event_extractor`` (the events of a parsed sentence); the lexicon is data,
``seeds/rules/plover_lexicon.jsonl``.
"""
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from schemas.records import AnnotatedArticle, DeadLetter, Event
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, StageResult, excerpt
from transforms.core.actors import default_resolver, person_countries
from transforms.core.event_extractor import article_sentence_events
from transforms.core.roles import ArticleContext
from transforms.core.sentences import Candidate, candidates
from transforms.core.trigger_index import TriggerIndex, default_index
from transforms.core.model import DEFAULT_MODEL, SharedModel, load_parser

STAGE = 'events'
# Articles per DoFn call; their candidate sentences go through the parser together.
MIN_BATCH, MAX_BATCH = 8, 32
# Sentences per parser batch: past a few dozen short sentences spaCy gains nothing.
PARSE_BATCH = 64


class ArticleEvents(NamedTuple):
    events: Tuple[Event, ...]
    sentences_parsed: int
    sentences_total: int


class _Pending(NamedTuple):
    """An article's candidate sentences and context, before the parse."""
    annotated: AnnotatedArticle
    candidates: List[Candidate]
    context: Optional[ArticleContext]


def _prepare(annotated: AnnotatedArticle, index: TriggerIndex) -> _Pending:
    body = annotated.article.body
    found = candidates(body, annotated.sentence_starts, index)
    if not found:
        return _Pending(annotated, [], None)
    article = annotated.article
    # The Phoenix dictionaries' codes are those of the day the article reports on.
    date = article.dateline_date or (article.published_at or '')[:10] or None
    context = ArticleContext(
        article_id=article.article_id, body=body, entities=tuple(annotated.entities),
        time_expressions=tuple(annotated.time_expressions),
        persons=person_countries(body, annotated.entities, default_resolver(), date), date=date)
    return _Pending(annotated, found, context)


def _texts(pending: _Pending) -> List[str]:
    body = pending.annotated.article.body
    return [body[c.span.start:c.span.end] for c in pending.candidates]


def _events_of(pending: _Pending, docs: Sequence, index: TriggerIndex) -> ArticleEvents:
    events = []
    for candidate, doc in zip(pending.candidates, docs):
        events.extend(article_sentence_events(doc, candidate.span, pending.context, index, candidate.hits))
    return ArticleEvents(tuple(events), len(pending.candidates), len(pending.annotated.sentence_starts))


def extract_events_batch(batch: Sequence[AnnotatedArticle], nlp, index: Optional[TriggerIndex] = None,
                         batch_size: int = PARSE_BATCH) -> List[Union[ArticleEvents, Exception]]:
    """The events of several articles, their candidate sentences parsed in one ``nlp.pipe``.

    Args:
        batch: articles with their entity mentions, sentence starts and time expressions.
        nlp: a spaCy pipeline with tagger, parser and lemmas (``load_parser()``).
        index: the trigger lexicon; the shipped one by default.
        batch_size: sentences per parser batch.

    Returns:
        For each article in order, its ``ArticleEvents`` or the exception it raised: an
        article that fails (rules, or its own sentences in the parser) fails alone.
    """
    index = index or default_index()
    results: List[Union[ArticleEvents, Exception, None]] = [None] * len(batch)
    pending: List[Tuple[int, _Pending]] = []
    for position, annotated in enumerate(batch):
        try:
            prepared = _prepare(annotated, index)
        except Exception as error:  # pylint: disable=broad-except
            results[position] = error
            continue
        if prepared.candidates:
            pending.append((position, prepared))
        else:
            results[position] = ArticleEvents((), 0, len(annotated.sentence_starts))
    texts = [text for _, prepared in pending for text in _texts(prepared)]
    try:
        docs = list(nlp.pipe(texts, batch_size=batch_size)) if texts else []
    except Exception:  # pylint: disable=broad-except
        # One article's bad text must not take its batch-mates with it: parse them one by one.
        docs = None
    offset = 0
    for position, prepared in pending:
        count = len(prepared.candidates)
        try:
            own = docs[offset:offset + count] if docs is not None else list(nlp.pipe(_texts(prepared)))
            results[position] = _events_of(prepared, own, index)
        except Exception as error:  # pylint: disable=broad-except
            results[position] = error
        offset += count
    return results


def extract_events(annotated: AnnotatedArticle, nlp, index: Optional[TriggerIndex] = None) -> ArticleEvents:
    """The events of one article.

    Args:
        annotated: the article with its entity mentions, sentence starts and time expressions.
        nlp: a spaCy pipeline with tagger, parser and lemmas (``load_parser()``).
        index: the trigger lexicon; the shipped one by default.

    Returns:
        ``ArticleEvents``: the events in body order, and how many sentences were parsed of how many.
    """
    result = extract_events_batch([annotated], nlp, index)[0]
    if isinstance(result, Exception):
        raise result
    return result


class _ExtractEventsFn(beam.DoFn):
    """Fills ``events`` of a batch of AnnotatedArticles; an article that fails alone becomes a dead letter.

    Docs never leave this DoFn.
    """

    def __init__(self, model: str):
        self._model = model
        self._shared = shared.Shared()
        self._events = Metrics.counter(METRICS_NAMESPACE, 'events')
        self._parsed = Metrics.counter(METRICS_NAMESPACE, 'event_sentences_parsed')
        self._sentences = Metrics.counter(METRICS_NAMESPACE, 'event_sentences_total')
        self._bad = Metrics.counter(METRICS_NAMESPACE, f'dead_letter_{STAGE}')

    def setup(self):
        model = self._model
        self._nlp = self._shared.acquire(lambda: SharedModel(load_parser(model)), tag=f'parser:{model}').nlp
        # Pay for the lexicon regex and demonym tables once per worker, before the first element.
        default_index()
        default_resolver()

    def process(self, batch: List[AnnotatedArticle]) -> Iterable:
        for annotated, found in zip(batch, extract_events_batch(batch, self._nlp)):
            if isinstance(found, Exception):
                self._bad.inc()
                article = annotated.article
                yield pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                    article.source_uri, article.source_id, STAGE, f'{type(found).__name__}: {found!r}',
                    excerpt(article.text)))
                continue
            self._events.inc(len(found.events))
            self._parsed.inc(found.sentences_parsed)
            self._sentences.inc(found.sentences_total)
            yield annotated._replace(events=found.events)


class ExtractEvents(beam.PTransform):
    """PCollection[AnnotatedArticle] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters).

    Args:
      model: name of an installed spaCy pipeline package with a parser.
    """

    def __init__(self, model: str = DEFAULT_MODEL):
        super().__init__()
        self._model = model

    def expand(self, annotated):
        results = (
            annotated
            | 'Batch' >> beam.BatchElements(min_batch_size=MIN_BATCH, max_batch_size=MAX_BATCH)
            | 'ExtractEvents' >> beam.ParDo(_ExtractEventsFn(self._model)).with_outputs(DEAD_LETTER, main='outputs'))
        return StageResult(results.outputs, results[DEAD_LETTER])
