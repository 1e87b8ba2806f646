"""``ResolveTimeExpressions``: the dates and durations of each article body, as TIMEX3 values.

PCollection[AnnotatedArticle] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters),
``time_expressions`` filled by ``transforms.core.time_expressions.find_time_expressions``,
anchored on the dateline date, else the publication date.
"""
from typing import Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import AnnotatedArticle
from transforms.core.time_expressions import anchor_of, find_time_expressions
from transforms.dead_letter import METRICS_NAMESPACE, ParDoWithDeadLetters, StageResult

STAGE = 'time_expressions'


@beam.typehints.with_input_types(AnnotatedArticle)
@beam.typehints.with_output_types(AnnotatedArticle)
class _ResolveFn(beam.DoFn):
    """Fills an AnnotatedArticle's time_expressions."""

    def __init__(self):
        self._found = Metrics.counter(METRICS_NAMESPACE, 'time_expressions')

    def process(self, annotated: AnnotatedArticle) -> Iterable[AnnotatedArticle]:
        article = annotated.article
        expressions = tuple(find_time_expressions(
            article.body, anchor_of(article), article.article_id, annotated.sentence_starts))
        self._found.inc(len(expressions))
        yield annotated._replace(time_expressions=expressions)


class ResolveTimeExpressions(beam.PTransform[PCollection[AnnotatedArticle], StageResult]):
    """PCollection[AnnotatedArticle] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters)."""

    def expand(self, annotated: PCollection[AnnotatedArticle]):
        return annotated | 'FindTimeExpressions' >> ParDoWithDeadLetters(_ResolveFn(), STAGE)
