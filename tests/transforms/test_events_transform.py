"""TestPipeline tests for transforms.events.ExtractEvents."""
import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing import test_pipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.records import AnnotatedArticle
from tests.conftest import make_article
import transforms.core.events
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.core.entities import annotate
from transforms.events import ExtractEvents
from transforms.core.model import load_ner
from transforms.core.time_expressions import find_time_expressions

BEIJING_TEXT = ('Iranian Armed Forces Chief of Staff Major General Mohammad Hossein Baqeri arrived on Tuesday. '
                'Baqeri met Li Zuocheng in Beijing on Wednesday. The weather was fine.')


def _annotated(article_id: str, text: str, dateline_date=None) -> AnnotatedArticle:
    annotated = annotate(make_article(article_id, text, dateline_date=dateline_date), load_ner()(text))
    return annotated._replace(time_expressions=tuple(
        find_time_expressions(text, dateline_date, article_id, annotated.sentence_starts)))


BEIJING = _annotated('beijing', BEIJING_TEXT, '2019-09-13')
QUIET = _annotated('quiet', 'Prices rose. Nothing else happened.')
EXPLODING = _annotated('boom', 'BOOM: Police arrested two men.')

_real_sentence_events = transforms.core.events.article_sentence_events


def _sentence_events_with_bug(doc, span, context, index, hits=None):
    if context.body.startswith('BOOM'):
        raise RuntimeError('rule bug')
    return _real_sentence_events(doc, span, context, index, hits)


def _summary(annotated) -> tuple:
    # RowCoder decodes nested rows into generated schema classes; compare plain values.
    return annotated.article.article_id, tuple(
        (e.event_type, e.event_mode, e.trigger, e.actor, e.actor_canonical, e.actor_country, e.target,
         e.location, e.location_country, e.event_date, e.negated, e.sentence_index, e.actor_role, e.target_role)
        for e in annotated.events)


def test_extract_events(monkeypatch):
    # An unexpected exception on one article must make a dead letter, not end the run, and
    # not take the other articles of its batch with it.
    monkeypatch.setattr(transforms.core.events, 'article_sentence_events', _sentence_events_with_bug)
    pipeline = test_pipeline.TestPipeline()
    stage = (pipeline
             | 'CreateAnnotated' >> beam.Create([BEIJING, QUIET, EXPLODING])
             | 'ExtractEvents' >> ExtractEvents())
    assert_that(stage.outputs | 'Summaries' >> beam.Map(_summary), equal_to([
        ('beijing', (('CONSULT', 'meet', 'met', 'Baqeri', 'Mohammad Hossein Baqeri', 'IRN', 'Li Zuocheng',
                      'Beijing', 'CHN', '2019-09-11', False, 1, None, None),)),
        ('quiet', ()),
    ]), label='CheckEvents')
    assert_that(stage.dead_letters | 'DeadLetterWhere' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('boom.txt', 'events', "RuntimeError: RuntimeError('rule bug')")]),
                label='CheckDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()

    def counter(name):
        found = result.metrics().query(
            MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name(name))['counters']
        return [c.committed for c in found]

    assert counter('events') == [1]
    # Only the sentence with 'met' is parsed; 'arrived', the weather and prices are not triggers.
    # 'Armed Forces ... arrived' is parsed too: CAMEO codes a military subject's arrival (military
    # aid) and only the parse tells that the subject is a person, not the forces.
    assert counter('event_sentences_parsed') == [2]
    assert counter('event_sentences_total') == [5]
    assert counter('dead_letter_events') == [1]
