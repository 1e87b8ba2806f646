"""TestPipeline tests of the near-duplicate and ledger transforms."""
import datetime
import json

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from schemas.arrow import to_arrow_schema
from tests.conftest import make_article
from transforms.core.duplicates import (CopyCandidate, Verdict, band_keys, find_copies, shares_a_band, signature,
                                        similarity, with_signature)
from transforms.duplicates import DetectDuplicates, MarkDuplicates, WriteVerdicts, _BandKeysFn
from transforms.ledger import SkipIngested

STORY = ('Iranian Armed Forces Chief of Staff Major General Mohammad Hossein Baqeri met General Li '
         'Zuocheng in Beijing on Wednesday to discuss defence ties, the two sides said after talks. '
         'Baqeri said Iran attaches great significance to its relations with China in all areas and '
         'hoped the visit would be a turning point in the development of military cooperation. '
         'He also invited his Chinese counterpart to visit Tehran, and the two commanders reviewed '
         'regional developments and ways to expand joint training and technical exchanges.')


def test_signatures_estimate_similarity():
    assert similarity(signature(STORY), signature(STORY)) == 1.0
    assert similarity(signature(STORY), signature(STORY.replace('Wednesday', 'Thursday'))) >= 0.8
    assert similarity(signature(STORY), signature('Oil prices rose on Monday as traders weighed cuts.')) < 0.2


OTHER_STORY = ('Oil prices rose on Monday as traders weighed supply cuts by producers and a colder winter '
               'forecast, while refiners in Asia bought more crude from the Gulf than a month earlier.')


def _candidate(article_id, text, published, in_this_run=True):
    return CopyCandidate((int(in_this_run), published, f'/in/{article_id}.txt'), article_id, signature(text),
                         in_this_run)


def test_find_copies_points_each_copy_at_the_first_similar_article():
    archived = _candidate('archived', STORY, '2026-01-01T00:00:00', in_this_run=False)
    first = _candidate('first', STORY.replace('Wednesday', 'Thursday'), '2026-02-01T00:00:00')
    second = _candidate('second', STORY.replace('defence ties', 'defense ties'), '2026-02-02T00:00:00')
    unrelated = _candidate('unrelated', OTHER_STORY, '2026-01-15T00:00:00')

    assert list(find_copies([second, unrelated, first], [])) == [('second', Verdict('first', None))]
    assert list(find_copies([second, unrelated, first], [archived])) == [
        ('first', Verdict('archived', None)), ('second', Verdict('archived', None))]
    # The same article id twice (one story read from two places) is not its own copy.
    assert list(find_copies([first, first._replace(order=(1, '2026-02-03T00:00:00', '/in/b/first.txt'))], [])) == []


def test_earlier_articles_join_only_when_they_share_a_bucket_with_this_run():
    buckets = _BandKeysFn()
    accumulator = buckets.create_accumulator()
    for candidate in (_candidate('a', STORY, '2026-02-01'), _candidate('b', STORY + ' More.', '2026-02-02')):
        accumulator = buckets.add_input(accumulator, candidate)
    this_run = buckets.extract_output(buckets.merge_accumulators([accumulator, buckets.create_accumulator()]))

    assert list(this_run) == sorted(set(band_keys(signature(STORY))) | set(band_keys(signature(STORY + ' More.'))))
    assert shares_a_band(_candidate('old', STORY.replace('Wednesday', 'Thursday'), '2025', False), this_run)
    assert not shares_a_band(_candidate('old', OTHER_STORY, '2025', False), this_run)
    assert not shares_a_band(_candidate('old', STORY, '2025', False), buckets.extract_output([]))


def test_detect_and_mark_duplicates(tmp_path):
    earlier = with_signature(make_article('earlier', STORY))
    ledger_row = {'key': 'earlier', 'kind': 'article', 'source_uri': '/old/earlier.txt',
                  'minhash': earlier.minhash, 'ingested_at': datetime.datetime(2026, 1, 1)}
    resent = make_article('resent', STORY.replace('defence ties', 'defense ties'),
                          published_at='2026-02-01T00:00:00+00:00')
    other = make_article('other', 'Oil prices rose on Monday as traders weighed supply cuts by producers.')
    twice = [make_article('same', STORY + ' Extra.', source_uri=f'/in/{folder}/same.txt') for folder in 'ab']
    articles = [with_signature(a) for a in (resent, other, *twice)]
    path = str(tmp_path / 'verdicts.json')

    with TestPipeline() as pipeline:
        earlier_rows = pipeline | 'Ledger' >> beam.Create([ledger_row])
        verdicts = (pipeline
                    | 'Articles' >> beam.Create(articles)
                    | DetectDuplicates(earlier_rows))
        assert_that(verdicts, equal_to([('resent', Verdict('earlier', None)),
                                        ('same', Verdict('earlier', '/in/a/same.txt'))]))
        _ = verdicts | WriteVerdicts(path)
    with open(path, encoding='utf-8') as handle:
        assert json.load(handle) == {'resent': ['earlier', None], 'same': ['earlier', '/in/a/same.txt']}

    with TestPipeline() as pipeline:
        marked = (pipeline
                  | beam.Create(articles)
                  | MarkDuplicates(path)
                  | beam.Map(lambda a: (a.article_id, a.source_uri, a.duplicate_of)))
        assert_that(marked, equal_to([('resent', '/in/resent.txt', 'earlier'), ('other', '/in/other.txt', None),
                                      ('same', '/in/a/same.txt', 'earlier')]))


def test_skip_ingested_reads_the_ledger_files(tmp_path):
    path = tmp_path / 'ledger.parquet'
    row = {'key': 'known', 'kind': 'article', 'source_id': 'k', 'source_uri': '/in/k.txt',
           'content_sha256': None, 'minhash': None, 'run_id': 'r0',
           'ingested_at': datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)}
    pq.write_table(pa.Table.from_pylist([row], schema=to_arrow_schema('ingest_ledger')), path)
    with TestPipeline() as pipeline:
        fresh = (pipeline
                 | beam.Create([make_article('known', 'Old.'), make_article('new', 'New.')])
                 | SkipIngested([str(path)], lambda a: a.article_id, 'articles_skipped')
                 | beam.Map(lambda a: a.article_id))
        assert_that(fresh, equal_to(['new']))
