"""``ExtractSourceTags``: wire credits, media attributions, editor sign-offs and footers of each article.

PCollection[Article] (dateline stage done) -> StageResult(outputs: PCollection[Article], dead_letters),
with ``body`` cleaned and ``agencies``, ``attributions``, ``editor_initials`` and ``boilerplate``
filled by ``transforms.core.source_tags.extract_source_tags``.
"""
from typing import Iterable

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection

from schemas.records import Article
from transforms.core.source_tags import extract_source_tags
from transforms.dead_letter import METRICS_NAMESPACE, ParDoWithDeadLetters, StageResult

STAGE = 'source_tags'


@beam.typehints.with_input_types(Article)
@beam.typehints.with_output_types(Article)
class _ExtractSourceTagsFn(beam.DoFn):
    """Replaces an article's body and source fields with ``extract_source_tags``'s."""

    def __init__(self):
        self._editor_signoffs = Metrics.counter(METRICS_NAMESPACE, 'editor_signoffs')
        self._reuter_signoffs = Metrics.counter(METRICS_NAMESPACE, 'reuter_signoffs')
        self._footers = Metrics.counter(METRICS_NAMESPACE, 'footers')

    def process(self, article: Article) -> Iterable[Article]:
        tags = extract_source_tags(article.body, article.agencies)
        if tags.editor_initials:
            self._editor_signoffs.inc()
        if tags.reuter_signoff:
            self._reuter_signoffs.inc()
        self._footers.inc(len(tags.boilerplate))
        yield article._replace(body=tags.body, agencies=tags.agencies,
                               attributions=tags.attributions,
                               editor_initials=tags.editor_initials,
                               boilerplate=tags.boilerplate)


class ExtractSourceTags(beam.PTransform[PCollection[Article], StageResult]):
    """PCollection[Article] -> StageResult(outputs: PCollection[Article], dead_letters).

    ``Article.agencies`` comes in holding the credits printed in the dateline
    and goes out holding canonical agency names.
    """

    def expand(self, articles: PCollection[Article]):
        return articles | 'ExtractSourceTags' >> ParDoWithDeadLetters(_ExtractSourceTagsFn(), STAGE)
