"""Reading files: kinds, globs, decoding, and every way a file can fail to be an article."""
import collections
import concurrent.futures
import gzip
import io
import json

import pytest
from apache_beam import pvalue
from apache_beam.options.pipeline_options import PipelineOptions

from schemas.records import RawArticle
from transforms.dead_letter import DEAD_LETTER
from transforms.read import (FileRange, _ReadClaimedFn, _ReadFileFn, _SplitFileFn, _kind_of, _local_workers, claim,
                             deal_order, expand_patterns, hands_of, line_ranges, looks_binary)


@pytest.mark.parametrize('path,kind', [
    ('a/b/story.txt', 'text'), ('STORY.TXT', 'text'), ('notes', 'text'), ('x.text', 'text'),
    ('feed.jsonl', 'jsonl'), ('feed.ndjson', 'jsonl'), ('feed.jsonl.gz', 'jsonl'), ('story.txt.bz2', 'text'),
    ('scan.pdf', ''), ('photo.jpg', ''), ('data.json', ''),
])
def test_kind_of(path, kind):
    assert _kind_of(path) == kind


@pytest.mark.parametrize('data,binary', [
    (b'', False),
    ('Plain text with a caf\u00e9.\n'.encode(), False),
    (b'A scraped page with one stray NUL \x00 among plenty of ordinary words and sentences. ' * 4, False),
    (bytes(range(256)) * 4, True),
    (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00', True),
])
def test_looks_binary(data, binary):
    assert looks_binary(data) is binary


def test_expand_patterns_recursive_glob_includes_top_level_and_skips_dot_files(tmp_path):
    (tmp_path / 'inbox' / 'day1').mkdir(parents=True)
    (tmp_path / 'inbox' / 'top.txt').write_text('a')
    (tmp_path / 'inbox' / 'day1' / 'deep.txt').write_text('b')
    (tmp_path / 'inbox' / '.DS_Store').write_text('c')
    (tmp_path / 'inbox' / '.git').mkdir()
    (tmp_path / 'inbox' / '.git' / 'HEAD').write_text('d')
    found = expand_patterns([str(tmp_path / 'inbox' / '**' / '*'), str(tmp_path / 'inbox' / '*.txt')])
    assert found == [str(tmp_path / 'inbox' / 'day1' / 'deep.txt'), str(tmp_path / 'inbox' / 'top.txt')]


def test_expand_patterns_fails_fast_on_a_glob_without_files(tmp_path):
    with pytest.raises(ValueError, match='does not match any files'):
        expand_patterns([str(tmp_path / 'nothing-*.jsonl')])


def _read(path, file_range=None):
    """(articles, dead letters) that _ReadFileFn makes of one file, or of a range of it."""
    articles, dead = [], []
    for output in _ReadFileFn(max_article_chars=200).process(file_range or FileRange(str(path))):
        if isinstance(output, pvalue.TaggedOutput):
            assert output.tag == DEAD_LETTER
            dead.append(output.value)
        else:
            articles.append(output)
    return articles, dead


def test_text_file_is_one_article_named_by_its_file(tmp_path):
    path = tmp_path / 'story.txt'
    path.write_bytes('\ufeffTEHRAN \u2013 Talks resumed.\n'.encode())
    articles, dead = _read(path)
    assert articles == [RawArticle(str(path), 'story.txt', 'TEHRAN \u2013 Talks resumed.\n', None, None, None,
                                   None, False)]
    assert dead == []


def test_bytes_that_are_not_utf8_are_replaced_and_flagged(tmp_path):
    path = tmp_path / 'latin1.txt'
    path.write_bytes('Z\u00fcrich caf\u00e9'.encode('latin-1'))
    [article], _ = _read(path)
    assert article.text == 'Z\ufffdrich caf\ufffd'
    assert article.decode_replaced is True


def test_jsonl_lines_become_articles_or_dead_letters_with_line_numbers(tmp_path):
    path = tmp_path / 'feed.jsonl.gz'
    lines = [
        json.dumps({'id': 'a1', 'text': 'First.', 'title': ' T ', 'published': '2019-09-13',
                    'url': 'https://x/1', 'source': 'Wire'}),
        '{"id": "a2", "text": "broken',
        '',
        json.dumps({'id': 'a4'}),
        json.dumps(['not', 'an', 'object']),
        json.dumps({'text': 'No id here.'}),
        json.dumps({'id': 'a7', 'text': 'x' * 201}),
        json.dumps({'id': 8, 'text': '   '}),
    ]
    with gzip.open(path, 'wt', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    articles, dead = _read(path)
    assert articles == [
        RawArticle(f'{path}#L1', 'a1', 'First.', 'T', '2019-09-13', 'https://x/1', 'Wire', False),
        RawArticle(f'{path}#L6', 'feed.jsonl.gz#L6', 'No id here.', None, None, None, None, False),
    ]
    assert [(d.source_uri, d.source_id, d.stage, d.error.split(':')[0]) for d in dead] == [
        (f'{path}#L2', None, 'read', 'line 2'),
        (f'{path}#L4', 'a4', 'read', 'line 4'),
        (f'{path}#L5', None, 'read', 'line 5'),
        (f'{path}#L7', 'a7', 'read', 'text has 201 characters, over the limit of 200'),
        (f'{path}#L8', '8', 'read', 'empty text'),
    ]
    assert 'no "text" field' in dead[1].error
    assert dead[0].raw_excerpt == '{"id": "a2", "text": "broken\n'


def test_line_ranges_cover_the_file_in_whole_lines():
    data = b''.join(f'line {n}\n'.encode() for n in range(1, 11))  # 7 bytes a line, 8 for line 10: 71
    # 71 bytes at most 20 a part: 4 parts, each ending at the first line end past 17.75 bytes more.
    ranges = list(line_ranges(io.BytesIO(data), len(data), split_bytes=20))
    assert [(r.start, r.end, r.first_line, r.size) for r in ranges] == [
        (0, 21, 1, 21), (21, 42, 4, 21), (42, 56, 7, 14), (56, 71, 9, 15)]
    # At most 40 a part: 2 parts.
    assert [(r.start, r.end) for r in line_ranges(io.BytesIO(data), len(data), 40)] == [(0, 42), (42, 71)]
    assert list(line_ranges(io.BytesIO(b'no newline at the end'), 21, split_bytes=5)) == [FileRange('', 0, 21, 1, 21)]


def test_a_large_jsonl_file_is_read_in_ranges_with_the_same_articles_and_line_numbers(tmp_path):
    path = tmp_path / 'dump.jsonl'
    lines = []
    for n in range(1, 41):
        lines.append(json.dumps({'id': f'a{n}', 'text': f'Story number {n}.'}) if n % 7 else '{"broken')
        if n % 10 == 0:
            lines.append('')
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')

    ranges = list(_SplitFileFn(split_bytes=300).process(str(path)))
    split_articles, split_dead = [], []
    for file_range in ranges:
        articles, dead = _read(path, file_range)
        split_articles += articles
        split_dead += dead
    whole_articles, whole_dead = _read(path)

    assert len(ranges) > 3 and ranges[0].start == 0 and ranges[-1].end == path.stat().st_size
    assert all(left.end == right.start for left, right in zip(ranges, ranges[1:]))
    assert split_articles == whole_articles and split_dead == whole_dead
    assert len(whole_articles) == 35 and [d.source_uri for d in whole_dead] == [
        f'{path}#L{n}' for n in (7, 15, 23, 30, 38)]
    assert whole_articles[-1].source_uri == f'{path}#L43' and whole_articles[-1].source_id == 'a40'


def test_small_compressed_and_text_files_are_read_whole(tmp_path):
    big = [json.dumps({'id': f'a{n}', 'text': 'x' * 100}) for n in range(20)]
    with gzip.open(tmp_path / 'dump.jsonl.gz', 'wt', encoding='utf-8') as handle:
        handle.write('\n'.join(big))
    (tmp_path / 'small.jsonl').write_text(big[0], encoding='utf-8')
    (tmp_path / 'story.txt').write_text('\n'.join(big), encoding='utf-8')
    for name in ('dump.jsonl.gz', 'small.jsonl', 'story.txt'):
        path = tmp_path / name
        whole = FileRange(str(path), size=path.stat().st_size)
        assert list(_SplitFileFn(split_bytes=300).process(str(path))) == [whole]


def _dealt_sizes(sizes, hands):
    """Each worker's range sizes when the runner deals deal_order's output round-robin."""
    ranges = [FileRange(f'part-{n}.jsonl', size=size) for n, size in enumerate(sizes)]
    dealt = deal_order(ranges, hands)
    assert sorted(dealt) == sorted(ranges)
    return [[r.size for r in dealt[seat::hands]] for seat in range(hands)]


def test_deal_order_gives_each_worker_as_many_ranges_and_nearly_the_same_bytes():
    # A dump's ranges in file order: two files of a large and a small range dealt in turn give
    # one worker both large ranges (260 against 100).
    assert [sum(hand) for hand in _dealt_sizes([130, 50, 130, 50], 1)] == [360]
    assert _dealt_sizes([130, 50, 130, 50], 2) == [[130, 50], [130, 50]]
    # Largest first alone would deal 177+130+126 against 137+129+125; the lighter worker takes
    # the larger range of each round.
    assert _dealt_sizes([177, 137, 130, 129, 126, 125], 2) == [[177, 129, 125], [137, 130, 126]]
    # A short last round fills the first seats: counts differ by at most one.
    assert _dealt_sizes([90, 80, 70, 60, 50, 40, 30], 3) == [[90, 40, 30], [80, 50], [70, 60]]
    assert deal_order([], 2) == []


def test_the_deal_follows_the_local_runners_worker_count():
    assert _local_workers(PipelineOptions([])) == 1
    assert _local_workers(PipelineOptions(['--direct_num_workers=2'])) == 2
    assert _local_workers(PipelineOptions(['--direct_num_workers=0'])) >= 1
    assert _local_workers(None) == 1


@pytest.mark.parametrize('name,content,error', [
    ('empty.txt', b'', 'empty text'),
    ('blank.txt', b'  \n\t\n', 'empty text'),
    ('photo.txt', bytes(range(256)) * 4, 'binary content, not a text article'),
    ('scan.pdf', b'%PDF-1.4', "unsupported file type '.pdf'"),
    ('broken.txt.gz', b'not gzip at all', 'cannot read file'),
])
def test_files_that_are_not_articles_are_dead_letters(tmp_path, name, content, error):
    path = tmp_path / name
    path.write_bytes(content)
    articles, [dead] = _read(path)
    assert articles == []
    assert (dead.source_uri, dead.source_id, dead.stage) == (str(path), name, 'read')
    assert dead.error.startswith(error)


def test_claim_gives_each_item_to_exactly_one_of_many_claimants(tmp_path):
    attempts = [item % 50 for item in range(400)]   # each of 50 items claimed 8 times at once
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        won = list(pool.map(lambda item: claim(str(tmp_path), item), attempts))
    winners = collections.Counter(item for item, first in zip(attempts, won) if first)
    assert winners == collections.Counter(range(50))


def test_queued_hands_read_each_range_once_and_the_faster_hand_reads_more(tmp_path):
    path = tmp_path / 'dump.jsonl'
    path.write_text(''.join(json.dumps({'id': f'a{n}', 'text': f'Story {n}.'}) + '\n' for n in range(6)),
                    encoding='utf-8')
    ranges = list(_SplitFileFn(split_bytes=1).process(str(path)))   # one line each, all the same size
    hands = hands_of(ranges, 2)
    assert [hand for hand, _ in hands] == [0, 1] and hands[0][1] == hands[1][1] == deal_order(ranges, 1)
    read = _ReadClaimedFn(max_article_chars=200, claims_dir=str(tmp_path / 'claims'))
    read.setup()
    fast, slow = (read.process(hand) for hand in hands)
    # Each takes the next range no one has claimed; the one that comes back sooner takes the rest.
    assert [next(fast).source_id, next(slow).source_id] == ['a0', 'a1']
    assert [article.source_id for article in fast] == ['a2', 'a3', 'a4', 'a5']
    assert list(slow) == []
