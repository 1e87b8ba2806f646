"""Dead letters: input that could not be processed, kept with the stage and the reason.

Every stage emits expected failures as ``DeadLetter`` on the ``DEAD_LETTER``
tagged output, and ``ParDoWithDeadLetters`` wraps its work in
``with_exception_handling`` for unexpected ones, flattening both kinds into one
PCollection for the ``dead_letters`` table.  Nothing is ever dropped silently.
"""
from typing import Callable, NamedTuple, Optional

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

import schemas.coders  # noqa: F401  pylint: disable=unused-import  (registers the records' RowCoders)
from schemas.records import DeadLetter
from transforms.core.dead_letters import dead_letter_key, excerpt

__all__ = ['DEAD_LETTER', 'METRICS_NAMESPACE', 'ParDoWithDeadLetters', 'StageResult', 'article_source', 'dead_letter_key',
           'excerpt', 'failure_of', 'from_exception']

METRICS_NAMESPACE = 'newsbeam'
# The tagged output on which a DoFn emits its expected failures.
DEAD_LETTER = 'dead_letters'


def article_source(element) -> tuple:
    """(source_uri, source_id, text) of a RawArticle, Article or AnnotatedArticle, for dead letters."""
    article = getattr(element, 'article', element)
    return article.source_uri, article.source_id, article.text


def _dead_letter(stage: str, element, exc_type, exc_repr: str, source_of: Callable) -> DeadLetter:
    uri, source_id, raw = source_of(element)
    name = getattr(exc_type, '__name__', str(exc_type))
    return DeadLetter(uri, source_id, stage, f'{name}: {exc_repr}', excerpt(raw))


def failure_of(stage: str, element, error: BaseException, source_of: Callable = article_source) -> DeadLetter:
    """The dead letter of an element that failed ``stage`` alone, worded as ``from_exception`` words it."""
    return _dead_letter(stage, element, type(error), repr(error), source_of)


def from_exception(stage: str, source_of: Callable = article_source) -> Callable:
    """Turns a ``with_exception_handling`` failure ``(element, (type, repr, traceback))`` into a DeadLetter.

    Args:
      stage: the stage name recorded in the dead letter.
      source_of: element -> (source_uri, source_id, raw text) for the failed element.
    """
    counter = Metrics.counter(METRICS_NAMESPACE, f'dead_letter_{stage}')

    def to_dead_letter(failure) -> DeadLetter:
        element, (exc_type, exc_repr, _traceback) = failure
        counter.inc()
        return _dead_letter(stage, element, exc_type, exc_repr, source_of)

    return to_dead_letter


class StageResult(NamedTuple):
    outputs: pvalue.PCollection
    dead_letters: pvalue.PCollection


class ParDoWithDeadLetters(beam.PTransform[PCollection, StageResult]):
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
