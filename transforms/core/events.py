"""PLOVER events of a batch of articles: who did what to whom, where and when.  No Beam.

``extract_events_batch(batch, nlp)`` gives each AnnotatedArticle (entities, sentence starts and
time expressions filled) its events, or the exception it alone raised.  The dependency parse is
the expensive part, so it runs only where an event can be: the trigger index's regex of the
inflected forms of the lexicon's words picks candidate sentences from the raw text (``sentences``,
using the entity stage's sentence starts), the candidates of the whole batch go through
``model.load_parser()`` in one ``nlp.pipe``, and only the tokens the regex found are looked up in
the lexicon.  The rules: ``trigger_index`` (the lexicon and its regex), ``roles`` and ``actors``
(who, and which country), ``event_extractor`` (the events of a parsed sentence); the lexicons are
data in ``seeds/rules``.  Each event then gets its actor's and target's entity keys (those of the
entity stage's mentions of the same canonical name) and its location's GeoNames id and point.
"""
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from schemas.records import AnnotatedArticle, Event
from transforms.core.actors import default_resolver, person_countries
from transforms.core.entity_keys import keys_by_name, place_point
from transforms.core.event_extractor import article_sentence_events
from transforms.core.roles import ArticleContext
from transforms.core.sentences import Candidate, candidates
from transforms.core.time_expressions import anchor_of
from transforms.core.trigger_index import TriggerIndex, default_index

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
    date = anchor_of(article)
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
    keys = keys_by_name(pending.annotated.entities)
    events = [with_keys_and_place(event, keys) for event in events]
    return ArticleEvents(tuple(events), len(pending.candidates), len(pending.annotated.sentence_starts))


def _key(keys: Dict[str, str], canonical: Optional[str], printed: Optional[str]) -> Optional[str]:
    return keys.get(canonical) if canonical else keys.get(printed) if printed else None


def with_keys_and_place(event: Event, keys: Dict[str, str]) -> Event:
    """The event with its actor's and target's entity keys (``keys``: the article's keys by canonical
    name, ``entity_keys.keys_by_name``) and its location's GeoNames id and coordinates."""
    point = place_point(event.location) if event.location else None
    return event._replace(
        actor_key=_key(keys, event.actor_canonical, event.actor),
        target_key=_key(keys, event.target_canonical, event.target),
        location_geonames_id=point.geonames_id if point else None,
        location_latitude=point.latitude if point else None,
        location_longitude=point.longitude if point else None)


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
