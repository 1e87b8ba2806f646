"""TestPipeline tests for transforms.datelines.NormalizeDatelines."""
import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import Article
import transforms.datelines
from transforms.datelines import METRICS_NAMESPACE, NormalizeDatelines


def _article(article_id: str, text: str, published_at, agencies=()) -> Article:
    return Article(
        article_id=article_id, source_id=f'{article_id}.txt', source_uri=f'seeds/{article_id}.txt',
        source_name=None, url=None, title=None, published_at=published_at,
        text=text, body=text.strip(),
        dateline_raw=None, dateline_city=None, dateline_region=None, dateline_country=None,
        dateline_timezone=None, dateline_date=None,
        agencies=agencies, attributions=(), editor_initials=(), boilerplate=(),
        decode_replaced=False, content_sha256='0' * 64)


TEHRAN = _article('tehran', 'TEHRAN – The ministry replied on Monday.', '2019-09-13T08:00:00+00:00')
AFP = _article('afp', 'KUALA LUMPUR, April 1 , 1997 (AFP) -- Tin prices rose.', None, agencies=('Bernama',))
REUTERS = _article('reuters', 'SEOUL (Reuters) – Exports rose.', '2010-10-18T02:00:00+00:00',
                   agencies=('Reuters',))
NO_DATELINE = _article('plain', 'Exclusive – Tolerance has long been practised here.',
                       '2019-09-13T08:00:00+00:00')


def _comparable(article) -> Article:
    # RowCoder decodes Sequence fields as lists into a generated schema class; compare
    # as the Article the transform means to emit.
    return Article(**{name: tuple(value) if isinstance(value, list) else value
                      for name, value in article._asdict().items()})


EXPLODING = _article('boom', 'BOOM – this text trips a bug in the parser.', None)._replace(
    source_id='boom.txt')
_real_parse_dateline = transforms.datelines.parse_dateline


def _parse_with_bug(text, published=None):
    if text.startswith('BOOM'):
        raise RuntimeError('parser bug')
    return _real_parse_dateline(text, published)


def test_normalize_datelines(monkeypatch):
    # An unexpected exception on one article must make a dead letter, not end the run.
    monkeypatch.setattr(transforms.datelines, 'parse_dateline', _parse_with_bug)
    expected = [
        TEHRAN._replace(
            body='The ministry replied on Monday.', dateline_raw='TEHRAN –', dateline_city='Tehran',
            dateline_country='IRN', dateline_timezone='Asia/Tehran', dateline_date='2019-09-13',
            dateline_geonames_id=112931, dateline_latitude=35.69439, dateline_longitude=51.42151),
        AFP._replace(
            body='Tin prices rose.', dateline_raw='KUALA LUMPUR, April 1 , 1997 (AFP) --',
            dateline_city='Kuala Lumpur', dateline_country='MYS', dateline_timezone='Asia/Kuala_Lumpur',
            dateline_date='1997-04-01', agencies=('Bernama', 'AFP'), dateline_geonames_id=1735161,
            dateline_latitude=3.1412, dateline_longitude=101.68653),
        # The credit the source already listed is not added twice.
        REUTERS._replace(
            body='Exports rose.', dateline_raw='SEOUL (Reuters) –', dateline_city='Seoul',
            dateline_country='KOR', dateline_timezone='Asia/Seoul', dateline_date='2010-10-18',
            dateline_geonames_id=1835848, dateline_latitude=37.566, dateline_longitude=126.9784),
        NO_DATELINE,
    ]
    pipeline = test_pipeline.TestPipeline()
    stage = (pipeline
             | 'CreateArticles' >> beam.Create([TEHRAN, AFP, REUTERS, NO_DATELINE, EXPLODING])
             | 'NormalizeDatelines' >> NormalizeDatelines())
    normalized = stage.outputs | 'AsComparable' >> beam.Map(_comparable)
    assert_that(normalized, equal_to(expected), label='CheckArticles')
    assert_that(stage.dead_letters | 'DeadLetterWhere' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('boom.txt', 'datelines', "RuntimeError: RuntimeError('parser bug')")]),
                label='CheckDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()
    found = result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name('datelines_found'))['counters']
    assert [counter.committed for counter in found] == [3]
