"""``ParseArticles``: RawArticles as Articles (stable id, content hash, UTC publication time).

PCollection[RawArticle] -> StageResult(outputs: PCollection[Article], dead_letters); the rules are
``transforms.core.parse``.  An article whose ``published`` is not a date is a dead letter.
"""
from typing import Iterable

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import Article, DeadLetter, RawArticle
from transforms.core.parse import to_article
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, ParDoWithDeadLetters, StageResult, excerpt

STAGE = 'parse'


@beam.typehints.with_input_types(RawArticle)
class _ParseFn(beam.DoFn):
    def __init__(self):
        self._bad = Metrics.counter(METRICS_NAMESPACE, f'dead_letter_{STAGE}')

    def process(self, raw: RawArticle) -> Iterable[Article]:
        try:
            yield to_article(raw)
        except (ValueError, OverflowError) as error:
            # A wrong publication time would misplace the article in time and partition:
            # better to hold it back with the reason than to guess.
            self._bad.inc()
            yield pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                raw.source_uri, raw.source_id, STAGE, f'"published" is not a date: {error}', excerpt(raw.text)))


class ParseArticles(beam.PTransform[PCollection[RawArticle], StageResult]):
    """PCollection[RawArticle] -> StageResult(outputs: PCollection[Article], dead_letters)."""

    def expand(self, raw_articles: PCollection[RawArticle]):
        return raw_articles | 'ToArticle' >> ParDoWithDeadLetters(_ParseFn(), STAGE)
