"""RunSpacy: RunInference's results split into outputs and dead letters; a failed batch is one dead letter per example."""
import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from tests.conftest import make_article
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.inference import RunSpacy, SpacyModelHandler


class _Model:
    """Stands in for a spaCy Language (Beam's Shared holds the model by weak reference)."""


class _ShoutingHandler(SpacyModelHandler):
    """Upper-cases bodies; article 'bad' fails alone, a batch holding 'all' fails whole."""

    def __init__(self, batch_size: int):
        super().__init__('none', 'shouting', {'min_batch_size': batch_size, 'max_batch_size': batch_size})

    def load_model(self):
        return _Model()

    def annotate(self, nlp, batch):
        if any(article.article_id == 'all' for article in batch):
            raise RuntimeError('batch bug')
        return [RuntimeError('article bug') if article.article_id == 'bad' else article.body.upper()
                for article in batch]


def _dead_letter_count(result) -> int:
    found = result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE).with_name('dead_letter_shouting'))['counters']
    return sum(counter.committed for counter in found)


def test_an_example_that_fails_alone_is_a_dead_letter():
    pipeline = TestPipeline()
    stage = (pipeline
             | 'Create' >> beam.Create([make_article('a', 'one'), make_article('bad', 'two'), make_article('c', 'three')])
             | 'Shout' >> RunSpacy(_ShoutingHandler(batch_size=3)))
    assert_that(stage.outputs, equal_to(['ONE', 'THREE']), label='CheckOutputs')
    assert_that(stage.dead_letters | 'Where' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('bad.txt', 'shouting', "RuntimeError: RuntimeError('article bug')")]), label='CheckDLQ')
    result = pipeline.run()
    result.wait_until_finish()
    assert _dead_letter_count(result) == 1


def test_a_batch_that_fails_whole_is_a_dead_letter_per_example():
    pipeline = TestPipeline()
    stage = (pipeline
             | 'Create' >> beam.Create([make_article('all', 'one'), make_article('b', 'two')])
             | 'Shout' >> RunSpacy(_ShoutingHandler(batch_size=2)))
    assert_that(stage.outputs, equal_to([]), label='CheckOutputs')
    assert_that(stage.dead_letters | 'Where' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('all.txt', 'shouting', "RuntimeError: RuntimeError('batch bug')"),
                          ('b.txt', 'shouting', "RuntimeError: RuntimeError('batch bug')")]), label='CheckDLQ')
    result = pipeline.run()
    result.wait_until_finish()
    assert _dead_letter_count(result) == 2
