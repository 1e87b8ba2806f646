"""``NormalizeDatelines``: each article's dateline parsed, moved into its fields and out of its body.

PCollection[Article] -> StageResult(outputs: PCollection[Article], dead_letters).  What counts
as a dateline, and which date it gets, is ``transforms.core.datelines``.
"""
from typing import Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import Article
from transforms.core.datelines import parse_dateline, with_dateline
from transforms.core.gazetteer import gazetteer
from transforms.dead_letter import METRICS_NAMESPACE, ParDoWithDeadLetters, StageResult

STAGE = 'datelines'


@beam.typehints.with_input_types(Article)
@beam.typehints.with_output_types(Article)
class _NormalizeDatelineFn(beam.DoFn):
    """Fills an Article's dateline fields and strips the dateline from its body."""

    def __init__(self):
        self._found = Metrics.counter(METRICS_NAMESPACE, 'datelines_found')

    def setup(self):
        gazetteer()  # pay for the gazetteer once per worker, before the first element

    def process(self, article: Article) -> Iterable[Article]:
        dateline = parse_dateline(article.body, article.published_at)
        if dateline is None:
            yield article
            return
        self._found.inc()
        yield with_dateline(article, dateline)


class NormalizeDatelines(beam.PTransform[PCollection[Article], StageResult]):
    """PCollection[Article] -> StageResult(outputs: PCollection[Article], dead_letters).

    Articles without a dateline pass through unchanged.
    """

    def expand(self, articles: PCollection[Article]):
        return articles | 'ParseDatelines' >> ParDoWithDeadLetters(_NormalizeDatelineFn(), STAGE)
