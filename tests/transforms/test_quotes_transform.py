"""TestPipeline tests for transforms.quotes.ExtractQuotes."""
import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.conftest import make_article
import transforms.quotes
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.core.entities import annotate
from transforms.core.model import load_ner
from transforms.quotes import ExtractQuotes


def _annotated(article_id: str, text: str):
    return annotate(make_article(article_id, text), load_ner()(text))


QUOTED = _annotated('quoted', 'Mohammad Hossein Baqeri arrived in Beijing. '
                              '“Iran attaches great significance to its ties with China,” he said.')
SILENT = _annotated('silent', 'Relations have turned “strategic” since 2016.')
EXPLODING = _annotated('boom', 'BOOM: “Nothing,” Baqeri said.')

_real_find = transforms.quotes.find_quotes


def _find_with_bug(annotated):
    if annotated.article.body.startswith('BOOM'):
        raise RuntimeError('quote bug')
    return _real_find(annotated)


def _summary(annotated) -> tuple:
    return annotated.article.article_id, tuple(
        (q.speaker, q.speaker_canonical, q.verb, q.quote, q.start_char, q.end_char, q.sentence_index)
        for q in annotated.quotes)


def test_extract_quotes(monkeypatch):
    # An unexpected exception on one article must make a dead letter, not end the run.
    monkeypatch.setattr(transforms.quotes, 'find_quotes', _find_with_bug)
    pipeline = test_pipeline.TestPipeline()
    stage = (pipeline
             | 'CreateAnnotated' >> beam.Create([QUOTED, SILENT, EXPLODING])
             | 'ExtractQuotes' >> ExtractQuotes())
    assert_that(stage.outputs | 'Summaries' >> beam.Map(_summary), equal_to([
        ('quoted', (('Mohammad Hossein Baqeri', 'Mohammad Hossein Baqeri', 'said',
                     'Iran attaches great significance to its ties with China', 45, 100, 1),)),
        ('silent', ()),
    ]), label='CheckQuotes')
    assert_that(stage.dead_letters | 'DeadLetterWhere' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('boom.txt', 'quotes', "RuntimeError: RuntimeError('quote bug')")]),
                label='CheckDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()
    found = result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name('quotes'))['counters']
    assert [counter.committed for counter in found] == [1]
