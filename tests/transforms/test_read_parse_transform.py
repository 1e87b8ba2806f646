"""TestPipeline tests of ReadArticles and ParseArticles, with their dead-letter outputs."""
import json
import os

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.parse import article_id_of
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.parse import ParseArticles
from transforms.read import ReadArticles


def test_read_then_parse(tmp_path):
    (tmp_path / 'story.txt').write_text('SEOUL (Reuters) – Exports fell.')
    (tmp_path / 'empty.txt').write_text('')
    (tmp_path / 'feed.jsonl').write_text('\n'.join([
        json.dumps({'id': 'j1', 'text': 'First.', 'published': '2023-06-02T07:45:00+09:00'}),
        json.dumps({'id': 'j2', 'text': 'Second.', 'published': 'not a date'}),
        '{oops',
    ]) + '\n')
    os.mkfifo(tmp_path / 'pipe.txt')

    pipeline = TestPipeline()
    read = pipeline | 'Read' >> ReadArticles([str(tmp_path / '*')])
    parsed = read.outputs | 'Parse' >> ParseArticles()
    assert_that(parsed.outputs | 'Ids' >> beam.Map(lambda a: (a.source_id, a.article_id, a.published_at)),
                equal_to([('story.txt', article_id_of('story.txt', 'SEOUL (Reuters) – Exports fell.'), None),
                          ('j1', article_id_of('j1', 'First.'), '2023-06-01T22:45:00+00:00')]),
                label='CheckArticles')
    assert_that(read.dead_letters | 'ReadDeadLetters' >> beam.Map(lambda d: (d.source_uri, d.stage)),
                equal_to([(str(tmp_path / 'empty.txt'), 'read'), (f'{tmp_path / "feed.jsonl"}#L3', 'read'),
                          (str(tmp_path / 'pipe.txt'), 'read')]),
                label='CheckReadDeadLetters')
    assert_that(parsed.dead_letters | 'ParseDeadLetters' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('j2', 'parse', '"published" is not a date: Unknown string format: not a date')]),
                label='CheckParseDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE))['counters']}
    # Every candidate article is counted once, good or bad: 6 = 2 written + 4 dead letters (the FIFO refused).
    assert counters['articles_read'] == 6
    assert counters['dead_letter_read'] == 3
    assert counters['dead_letter_parse'] == 1
