"""TestPipeline tests for transforms.time_expressions.ResolveTimeExpressions."""
import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import AnnotatedArticle, Article, TimeExpression
import transforms.time_expressions
from transforms.time_expressions import METRICS_NAMESPACE, ResolveTimeExpressions


def _article(article_id: str, body: str, published_at, dateline_date=None) -> Article:
    return Article(
        article_id=article_id, source_id=f'{article_id}.txt', source_uri=f'seeds/{article_id}.txt',
        source_name=None, url=None, title=None, published_at=published_at,
        text=body, body=body,
        dateline_raw=None, dateline_city=None, dateline_region=None, dateline_country=None,
        dateline_timezone=None, dateline_date=dateline_date,
        agencies=(), attributions=(), editor_initials=(), boilerplate=(),
        decode_replaced=False, content_sha256='0' * 64)


def _annotated(article: Article, sentence_starts=(0,)) -> AnnotatedArticle:
    return AnnotatedArticle(article=article, entities=(), sentence_starts=sentence_starts)


# The dateline date wins over the publication date as the anchor.
KATHMANDU = _annotated(_article(
    'kathmandu', 'Officials said Tuesday. In October, the US offered asylum.',
    '2006-12-13T02:00:00+00:00', dateline_date='2006-12-12'), sentence_starts=(0, 24))
# Without a dateline date, the publication date (in UTC) is the anchor.
TEHRAN = _annotated(_article('tehran', 'The ministry will reply tomorrow.', '2019-09-13T08:00:00+00:00'))
EXPLODING = _annotated(_article('boom', 'BOOM: this body trips a bug.', None))

_real_find = transforms.time_expressions.find_time_expressions


def _find_with_bug(body, anchor, article_id='', sentence_starts=(0,)):
    if body.startswith('BOOM'):
        raise RuntimeError('resolver bug')
    return _real_find(body, anchor, article_id, sentence_starts)


def _expressions(annotated) -> tuple:
    # RowCoder decodes nested rows into generated schema classes; compare as plain tuples.
    return annotated.article.article_id, tuple(tuple(e) for e in annotated.time_expressions)


def _run(elements, check_dead_letters):
    pipeline = test_pipeline.TestPipeline()
    stage = (pipeline
             | 'CreateAnnotated' >> beam.Create(elements)
             | 'ResolveTimeExpressions' >> ResolveTimeExpressions())
    assert_that(stage.outputs | 'Expressions' >> beam.Map(_expressions), equal_to([
        ('kathmandu', (
            TimeExpression('kathmandu', 'Tuesday', '2006-12-12', 'day', 15, 22, 0),
            TimeExpression('kathmandu', 'October', '2006-10', 'month', 27, 34, 1))),
        ('tehran', (TimeExpression('tehran', 'tomorrow', '2019-09-14', 'day', 24, 32, 0),)),
    ]), label='CheckExpressions')
    assert_that(stage.dead_letters | 'DeadLetterWhere' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                check_dead_letters, label='CheckDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()
    return result


def test_resolve_time_expressions():
    result = _run([KATHMANDU, TEHRAN], equal_to([]))
    found = result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name('time_expressions'))['counters']
    assert [counter.committed for counter in found] == [3]


def test_failure_becomes_dead_letter(monkeypatch):
    # An unexpected exception on one article must make a dead letter, not end the run.
    monkeypatch.setattr(transforms.time_expressions, 'find_time_expressions', _find_with_bug)
    _run([KATHMANDU, TEHRAN, EXPLODING], equal_to([
        ('boom.txt', 'time_expressions', "RuntimeError: RuntimeError('resolver bug')")]))
