"""TestPipeline tests of ReadArticles and ParseArticles, with their dead-letter outputs."""
import json
import threading

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.dead_letter import METRICS_NAMESPACE
from transforms.parse import ParseArticles, article_id_of
from transforms.read import ReadArticles, _SplitFileFn, deal_order


def test_read_then_parse(tmp_path):
    (tmp_path / 'story.txt').write_text('SEOUL (Reuters) – Exports fell.')
    (tmp_path / 'empty.txt').write_text('')
    (tmp_path / 'feed.jsonl').write_text('\n'.join([
        json.dumps({'id': 'j1', 'text': 'First.', 'published': '2023-06-02T07:45:00+09:00'}),
        json.dumps({'id': 'j2', 'text': 'Second.', 'published': 'not a date'}),
        '{oops',
    ]) + '\n')

    pipeline = TestPipeline()
    read = pipeline | 'Read' >> ReadArticles([str(tmp_path / '*')])
    parsed = read.outputs | 'Parse' >> ParseArticles()
    assert_that(parsed.outputs | 'Ids' >> beam.Map(lambda a: (a.source_id, a.article_id, a.published_at)),
                equal_to([('story.txt', article_id_of('story.txt', 'SEOUL (Reuters) – Exports fell.'), None),
                          ('j1', article_id_of('j1', 'First.'), '2023-06-01T22:45:00+00:00')]),
                label='CheckArticles')
    assert_that(read.dead_letters | 'ReadDeadLetters' >> beam.Map(lambda d: (d.source_uri, d.stage)),
                equal_to([(str(tmp_path / 'empty.txt'), 'read'), (f'{tmp_path / "feed.jsonl"}#L3', 'read')]),
                label='CheckReadDeadLetters')
    assert_that(parsed.dead_letters | 'ParseDeadLetters' >> beam.Map(lambda d: (d.source_id, d.stage, d.error)),
                equal_to([('j2', 'parse', '"published" is not a date: Unknown string format: not a date')]),
                label='CheckParseDeadLetters')
    result = pipeline.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE))['counters']}
    # Every candidate article is counted once, good or bad: 5 = 2 written + 3 dead letters.
    assert counters['articles_read'] == 5
    assert counters['dead_letter_read'] == 2
    assert counters['dead_letter_parse'] == 1


def _worker_of(article):
    # In multi_threading mode each of the runner's workers processes its share on a thread of its own.
    return threading.get_ident(), article.source_uri


def test_the_local_runner_gives_each_worker_the_ranges_deal_order_seats_for_it(tmp_path):
    # Two dumps of 32 lines, each line a range, of 64 different sizes from about 80 to 1,100 bytes.
    for dump in range(2):
        with open(tmp_path / f'dump{dump}.jsonl', 'w', encoding='utf-8') as handle:
            for line in range(32):
                words = 10 + dump + 2 * (line * 37 % 101)
                handle.write(json.dumps({'id': f'{dump}-{line}', 'text': 'word ' * words}) + '\n')
    split_bytes = 1
    ranges = [r for path in sorted(tmp_path.glob('*.jsonl')) for r in _SplitFileFn(split_bytes).process(str(path))]
    expected = sorted(sorted(f'{r.path}#L{r.first_line}' for r in deal_order(ranges, 2)[seat::2]) for seat in (0, 1))

    options = PipelineOptions(['--direct_num_workers=2', '--direct_running_mode=multi_threading'])
    with beam.Pipeline(runner=FnApiRunner(), options=options) as pipeline:
        read = pipeline | 'Read' >> ReadArticles([str(tmp_path / '*.jsonl')], split_bytes=split_bytes)
        by_worker = (read.outputs
                     | 'Worker' >> beam.Map(_worker_of)
                     | 'ByWorker' >> beam.GroupByKey()
                     | 'Uris' >> beam.MapTuple(lambda _, uris: sorted(uris)))
        assert_that(by_worker | 'Both' >> beam.combiners.ToList() | 'Sorted' >> beam.Map(sorted),
                    equal_to([expected]))


def test_local_workers_with_a_work_queue_read_every_article_once(tmp_path):
    for dump in range(2):
        with open(tmp_path / f'dump{dump}.jsonl', 'w', encoding='utf-8') as handle:
            for line in range(32):
                handle.write(json.dumps({'id': f'{dump}-{line}', 'text': 'word ' * (10 + line)}) + '\n')
    options = PipelineOptions(['--direct_num_workers=2', '--direct_running_mode=multi_threading'])
    pipeline = beam.Pipeline(runner=FnApiRunner(), options=options)
    read = pipeline | 'Read' >> ReadArticles([str(tmp_path / '*.jsonl')], split_bytes=1,
                                             work_queue_dir=str(tmp_path / 'queue'))
    assert_that(read.outputs | 'Ids' >> beam.Map(lambda article: article.source_id),
                equal_to([f'{dump}-{line}' for dump in range(2) for line in range(32)]))
    result = pipeline.run()
    result.wait_until_finish()
    counters = {c.key.metric.name: c.committed for c in result.metrics().query(
        MetricsFilter().with_namespace(METRICS_NAMESPACE))['counters']}
    assert counters['articles_read'] == 64
    # One claim per range, in a queue directory of this read's own.
    (claims,) = (tmp_path / 'queue').iterdir()
    assert sorted(int(item.name) for item in claims.iterdir()) == list(range(64))
