"""PLOVER events: who did what to whom, where and when, one ``Event`` per trigger kept.

``ExtractEvents`` takes ``PCollection[AnnotatedArticle]`` (entities, sentence
starts and time expressions filled) and returns ``StageResult(outputs:
PCollection[AnnotatedArticle] with events filled, dead_letters)``.

The dependency parse is the expensive part, so it runs only where an event can
be: a regex of the lexicon's trigger forms picks candidate sentences from the
raw text (using the entity stage's sentence starts), and only those go through
``load_parser()`` (loaded once per worker through ``shared.Shared``), batched
per article with ``nlp.pipe``.  The rules themselves (roles, countries, places,
dates, which triggers to keep) are Beam-free, in ``transforms/nlp/events_lexicon.py``;
the trigger lexicon is data, ``seeds/rules/plover_lexicon.jsonl``.
"""
from typing import Iterable, NamedTuple, Optional, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from schemas.records import AnnotatedArticle, Event
from transforms.dead_letter import METRICS_NAMESPACE, ParDoWithDeadLetters
from transforms.nlp.events_lexicon import (ArticleContext, TriggerIndex, article_sentence_events,
                                           candidate_sentences, default_index, default_resolver,
                                           person_countries)
from transforms.nlp.model import DEFAULT_MODEL, SharedModel, load_parser

STAGE = 'events'


class ArticleEvents(NamedTuple):
    events: Tuple[Event, ...]
    sentences_parsed: int
    sentences_total: int


def extract_events(annotated: AnnotatedArticle, nlp, index: Optional[TriggerIndex] = None) -> ArticleEvents:
    """The events of one article.

    Args:
        annotated: the article with its entity mentions, sentence starts and time expressions.
        nlp: a spaCy pipeline with tagger, parser and lemmatizer (``load_parser()``).
        index: the trigger lexicon; the shipped one by default.

    Returns:
        ``ArticleEvents``: the events in body order, and how many sentences were parsed of how many.
    """
    index = index or default_index()
    body = annotated.article.body
    candidates = candidate_sentences(body, annotated.sentence_starts, index)
    if not candidates:
        return ArticleEvents((), 0, len(annotated.sentence_starts))
    context = ArticleContext(
        article_id=annotated.article.article_id, body=body, entities=tuple(annotated.entities),
        time_expressions=tuple(annotated.time_expressions),
        persons=person_countries(body, annotated.entities, default_resolver()))
    docs = nlp.pipe([body[span.start:span.end] for span in candidates], batch_size=len(candidates))
    events = []
    for span, doc in zip(candidates, docs):
        events.extend(article_sentence_events(doc, span, context, index))
    return ArticleEvents(tuple(events), len(candidates), len(annotated.sentence_starts))


class _ExtractEventsFn(beam.DoFn):
    """Fills ``events`` of each AnnotatedArticle; Docs never leave this DoFn."""

    def __init__(self, model: str):
        self._model = model
        self._shared = shared.Shared()
        self._events = Metrics.counter(METRICS_NAMESPACE, 'events')
        self._parsed = Metrics.counter(METRICS_NAMESPACE, 'event_sentences_parsed')
        self._sentences = Metrics.counter(METRICS_NAMESPACE, 'event_sentences_total')

    def setup(self):
        model = self._model
        self._nlp = self._shared.acquire(lambda: SharedModel(load_parser(model)), tag=f'parser:{model}').nlp
        # Pay for the lexicon regex and demonym tables once per worker, before the first element.
        default_index()
        default_resolver()

    def process(self, annotated: AnnotatedArticle) -> Iterable[AnnotatedArticle]:
        found = extract_events(annotated, self._nlp)
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
        return annotated | 'ExtractEvents' >> ParDoWithDeadLetters(
            _ExtractEventsFn(self._model), STAGE)
