"""TestPipeline tests for transforms.source_tags.ExtractSourceTags."""
import apache_beam as beam
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article
from transforms.source_tags import METRICS_NAMESPACE, ExtractSourceTags

MEHR = ('All Content by Mehr News Agency is licensed under a Creative Commons '
        'Attribution 4.0 International License.')


def _article(article_id, body, agencies=()):
    return Article(
        article_id=article_id, source_id=article_id, source_uri=f'mem://{article_id}',
        source_name=None, url=None, title=None, published_at=None, text=body, body=body,
        dateline_raw=None, dateline_city=None, dateline_region=None, dateline_country=None,
        dateline_timezone=None, dateline_date=None, agencies=agencies, attributions=(),
        editor_initials=(), boilerplate=(), decode_replaced=False, content_sha256='0' * 64)


def test_extract_source_tags_transform():
    tehran = _article('tt', f'Clashes resumed, Press TV reported. MH/PA {MEHR}', agencies=('MNA',))
    reuters = _article('r', 'Oil rose, traders said.\n Reuter\n')
    plain = _article('p', 'Nothing to strip.')
    expected = [
        tehran._replace(body='Clashes resumed, Press TV reported.', agencies=('Mehr News Agency',),
                        attributions=('Press TV',), editor_initials=('MH', 'PA'), boilerplate=(MEHR,)),
        reuters._replace(body='Oil rose, traders said.', agencies=('Reuters',)),
        plain,
    ]

    pipeline = test_pipeline.TestPipeline()
    stage = (pipeline
             | 'CreateArticles' >> beam.Create([tehran, reuters, plain])
             | 'ExtractSourceTags' >> ExtractSourceTags())
    assert_that(stage.outputs, equal_to(expected), label='CheckArticles')
    assert_that(stage.dead_letters, equal_to([]), label='CheckDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()

    counters = {c.key.metric.name: c.committed
                for c in result.metrics().query(
                    beam.metrics.MetricsFilter().with_namespace(METRICS_NAMESPACE))['counters']}
    assert counters == {'editor_signoffs': 1, 'reuter_signoffs': 1, 'footers': 1}
