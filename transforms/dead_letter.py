"""Dead letters: input that could not be processed, kept with the stage and the reason.

Every stage emits expected failures as ``DeadLetter`` on the ``DEAD_LETTER``
tagged output, and ``ParDoWithDeadLetters`` wraps its work in
``with_exception_handling`` for unexpected ones, flattening both kinds into one
PCollection for the ``dead_letters`` table.  Nothing is ever dropped silently.
"""
import hashlib
from typing import Callable, NamedTuple, Optional

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from schemas.records import DeadLetter

METRICS_NAMESPACE = 'newsbeam'
EXCERPT_CHARS = 1000
# The tagged output on which a DoFn emits its expected failures.
DEAD_LETTER = 'dead_letters'


def excerpt(raw) -> str:
    """The first EXCERPT_CHARS characters of a bad input, as text."""
    if raw is None:
        return ''
    if isinstance(raw, bytes):
        raw = raw.decode('utf-8', errors='replace')
    return str(raw)[:EXCERPT_CHARS]


def dead_letter_key(dead: DeadLetter) -> str:
    """Ledger key of a dead letter: the same bad input, failing the same way, has it on every run."""
    parts = (dead.source_uri, dead.stage, dead.error, dead.raw_excerpt)
    return hashlib.sha256('\x00'.join(parts).encode('utf-8')).hexdigest()[:32]


def from_exception(stage: str, source_of: Callable) -> Callable:
    """Turns a ``with_exception_handling`` failure ``(element, (type, repr, traceback))`` into a DeadLetter.

    Args:
      stage: the stage name recorded in the dead letter.
      source_of: element -> (source_uri, source_id, raw text) for the failed element.
    """
    counter = Metrics.counter(METRICS_NAMESPACE, f'dead_letter_{stage}')

    def to_dead_letter(failure) -> DeadLetter:
        element, (exc_type, exc_repr, _traceback) = failure
        uri, source_id, raw = source_of(element)
        counter.inc()
        name = getattr(exc_type, '__name__', str(exc_type))
        return DeadLetter(uri, source_id, stage, f'{name}: {exc_repr}', excerpt(raw))

    return to_dead_letter


def article_source(element) -> tuple:
    """(source_uri, source_id, text) of a RawArticle, Article or AnnotatedArticle, for dead letters."""
    article = getattr(element, 'article', element)
    return article.source_uri, article.source_id, article.text


class StageResult(NamedTuple):
    outputs: pvalue.PCollection
    dead_letters: pvalue.PCollection


class ParDoWithDeadLetters(beam.PTransform):
    """``beam.ParDo(fn)`` whose expected and unexpected failures both end as dead letters.

    ``fn`` yields its expected failures as ``pvalue.TaggedOutput(DEAD_LETTER, DeadLetter)``;
    any exception it raises becomes a DeadLetter of ``stage`` too.  Returns
    ``StageResult(outputs, dead_letters)``.
    """

    def __init__(self, fn: beam.DoFn, stage: str, source_of: Optional[Callable] = None):
        super().__init__()
        self._fn = fn
        self._stage = stage
        self._source_of = source_of or article_source

    def expand(self, pcoll):
        # The wrapper declares its outputs with allow_unknown_tags, so our own DEAD_LETTER tag is
        # reachable beside its 'bad' one.
        results = pcoll | 'Process' >> beam.ParDo(self._fn).with_exception_handling(main_tag='outputs')
        unexpected = results['bad'] | 'FailuresToDeadLetters' >> beam.Map(
            from_exception(self._stage, self._source_of))
        dead = (results[DEAD_LETTER], unexpected) | 'FlattenDeadLetters' >> beam.Flatten()
        return StageResult(results['outputs'], dead)


class _MapFn(beam.DoFn):
    def __init__(self, fn: Callable):
        self._fn = fn

    def process(self, element):
        yield self._fn(element)


class MapWithDeadLetters(ParDoWithDeadLetters):
    """``beam.Map(fn)`` for a per-article stage whose only failures are unexpected exceptions."""

    def __init__(self, fn: Callable, stage: str, source_of: Optional[Callable] = None):
        super().__init__(_MapFn(fn), stage, source_of)
