"""``ExtractQuotes``: the direct and reported speech of each article, with its speaker.

PCollection[AnnotatedArticle] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters),
``quotes`` filled by ``transforms.core.quotes.find_quotes``.
"""
from typing import Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import AnnotatedArticle
from transforms.core.quotes import find_quotes
from transforms.dead_letter import METRICS_NAMESPACE, ParDoWithDeadLetters, StageResult

STAGE = 'quotes'


@beam.typehints.with_input_types(AnnotatedArticle)
@beam.typehints.with_output_types(AnnotatedArticle)
class _ExtractQuotesFn(beam.DoFn):
    """Fills ``quotes`` of each AnnotatedArticle."""

    def __init__(self):
        self._quotes = Metrics.counter(METRICS_NAMESPACE, 'quotes')

    def process(self, annotated: AnnotatedArticle) -> Iterable[AnnotatedArticle]:
        quotes = find_quotes(annotated)
        self._quotes.inc(len(quotes))
        yield annotated._replace(quotes=quotes)


class ExtractQuotes(beam.PTransform[PCollection[AnnotatedArticle], StageResult]):
    """PCollection[AnnotatedArticle] -> StageResult(outputs: PCollection[AnnotatedArticle], dead_letters)."""

    def expand(self, annotated: PCollection[AnnotatedArticle]):
        return annotated | 'ExtractQuotes' >> ParDoWithDeadLetters(_ExtractQuotesFn(), STAGE)
