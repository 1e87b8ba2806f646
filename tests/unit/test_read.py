"""Reading files: kinds, inputs, decoding, and every way a file can fail to be an article.

Each class of hostile or broken input has a test here: whatever it is, it ends as a dead letter
with the reason (after the articles that could be read), never as an exception that stops the run.
"""
import bz2
import gzip
import io
import json
import os

import pytest
from apache_beam import pvalue

from schemas.records import RawArticle
from transforms.core import reading
from transforms.core.errors import UsageError
from transforms.dead_letter import DEAD_LETTER
from transforms.read import FileRange, Inputs, Refused, _ReadFileFn, _SplitFileFn, expand_inputs, line_ranges


@pytest.mark.parametrize('path,kind', [
    ('a/b/story.txt', 'text'), ('STORY.TXT', 'text'), ('notes', 'text'), ('x.text', 'text'),
    ('feed.jsonl', 'jsonl'), ('feed.ndjson', 'jsonl'), ('feed.jsonl.gz', 'jsonl'), ('story.txt.bz2', 'text'),
    ('feed.jsonl.xz', 'jsonl'), ('scan.pdf', ''), ('photo.jpg', ''), ('data.json', ''), ('feed.jsonl.zst', ''),
])
def test_kind_of(path, kind):
    assert reading.kind_of(path) == kind


@pytest.mark.parametrize('data,binary', [
    (b'', False),
    ('Plain text with a caf\u00e9.\n'.encode(), False),
    (b'A scraped page with one stray NUL \x00 among plenty of ordinary words and sentences. ' * 4, False),
    (bytes(range(256)) * 4, True),
    (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00', True),
])
def test_looks_binary(data, binary):
    assert reading.looks_binary(data) is binary


def test_a_recursive_glob_includes_the_top_level_and_skips_dot_files(tmp_path):
    (tmp_path / 'inbox' / 'day1').mkdir(parents=True)
    (tmp_path / 'inbox' / 'top.txt').write_text('a')
    (tmp_path / 'inbox' / 'day1' / 'deep.txt').write_text('b')
    (tmp_path / 'inbox' / '.DS_Store').write_text('c')
    (tmp_path / 'inbox' / '.git').mkdir()
    (tmp_path / 'inbox' / '.git' / 'HEAD').write_text('d')
    found = expand_inputs([str(tmp_path / 'inbox' / '**' / '*'), str(tmp_path / 'inbox' / '*.txt')])
    assert found == Inputs((str(tmp_path / 'inbox' / 'day1' / 'deep.txt'), str(tmp_path / 'inbox' / 'top.txt')), ())
    # A directory means the files at any depth under it.
    assert expand_inputs([str(tmp_path / 'inbox')]) == found


def test_a_glob_without_files_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match='does not match any files'):
        expand_inputs([str(tmp_path / 'nothing-*.jsonl')])


def test_links_out_of_the_input_root_fifos_and_broken_links_are_refused(tmp_path):
    inbox, elsewhere = tmp_path / 'inbox', tmp_path / 'elsewhere'
    inbox.mkdir()
    elsewhere.mkdir()
    (elsewhere / 'secret.txt').write_text('not news')
    (inbox / 'story.txt').write_text('news')
    os.symlink(elsewhere / 'secret.txt', inbox / 'leak.txt')
    os.symlink(inbox / 'story.txt', inbox / 'alias.txt')
    os.symlink(tmp_path / 'gone.txt', inbox / 'broken.txt')
    os.mkfifo(inbox / 'pipe.txt')

    paths, refused = expand_inputs([str(inbox / '*')])
    assert paths == (str(inbox / 'alias.txt'), str(inbox / 'story.txt'))
    reasons = {os.path.basename(r.path): r.reason for r in refused}
    assert reasons == {
        'broken.txt': f"broken symbolic link (to {str(tmp_path / 'gone.txt')!r})",
        'leak.txt': f"a symbolic link to {elsewhere / 'secret.txt'}, outside the input root {inbox} "
                    '(--follow-links reads such links)',
        'pipe.txt': 'not a regular file (a FIFO)',
    }
    # --follow-links reads the link that leaves the root; a FIFO or broken link stays refused.
    paths, refused = expand_inputs([str(inbox / '*')], follow_links=True)
    assert str(inbox / 'leak.txt') in paths
    assert sorted(os.path.basename(r.path) for r in refused) == ['broken.txt', 'pipe.txt']


def _read(path, file_range=None, max_chars=200):
    """(articles, dead letters) that _ReadFileFn makes of one file, or of a range of it."""
    articles, dead = [], []
    for output in _ReadFileFn(max_article_chars=max_chars).process(file_range or FileRange(str(path))):
        if isinstance(output, pvalue.TaggedOutput):
            assert output.tag == DEAD_LETTER
            dead.append(output.value)
        else:
            articles.append(output)
    return articles, dead


def test_a_refused_path_becomes_a_dead_letter_without_being_opened(tmp_path):
    fifo = tmp_path / 'pipe.txt'
    os.mkfifo(fifo)   # opening it would block
    articles, [dead] = _read(fifo, FileRange(str(fifo), refusal='not a regular file (a FIFO)'))
    assert articles == []
    assert (dead.source_uri, dead.source_id, dead.stage, dead.error) == (
        str(fifo), 'pipe.txt', 'read', 'not a regular file (a FIFO)')


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


def test_lone_surrogate_escapes_become_replacement_characters_at_the_door(tmp_path):
    path = tmp_path / 'feed.jsonl'
    path.write_text('{"id": "s1", "text": "Talks \\ud800 resumed.", "title": "Bad \\udfff title"}\n'
                    '{"id": "s2", "text": "A real pair \\ud83d\\ude00 stays."}\n', encoding='utf-8')
    [first, second], dead = _read(path)
    assert dead == []
    assert (first.text, first.title, first.decode_replaced) == ('Talks \ufffd resumed.', 'Bad \ufffd title', True)
    assert (second.text, second.decode_replaced) == ('A real pair \U0001f600 stays.', False)
    first.text.encode('utf-8')   # what every later stage does, and what a surrogate made fail


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


def test_a_line_whose_decoding_raises_anything_is_that_lines_dead_letter(tmp_path):
    path = tmp_path / 'feed.jsonl'
    # Nested deeper than the JSON decoder recurses: RecursionError, not ValueError.
    path.write_text('[' * 200_000 + '\n' + json.dumps({'id': 'ok', 'text': 'After it.'}) + '\n', encoding='utf-8')
    [article], [dead] = _read(path, max_chars=1_000_000)
    assert article.source_id == 'ok'
    assert (dead.source_uri, dead.error) == (f'{path}#L1', 'line 1: not JSON an article can be: nested too deeply')


def test_json_article_turns_any_exception_into_a_dead_letter():
    class Strange(bytes):
        def decode(self, *args, **kwargs):
            raise LookupError('codec vanished')

    dead = reading.json_article(Strange(b'{}'), 'kafka://t/0/7', 'kafka://t/0/7', 'message', 100)
    assert (dead.source_uri, dead.stage, dead.error) == ('kafka://t/0/7', 'read', 'message: LookupError: codec vanished')


def test_line_ranges_cover_the_file_in_whole_lines():
    data = b''.join(f'line {n}\n'.encode() for n in range(1, 11))  # 7 bytes a line, 8 for line 10: 71
    # 71 bytes at most 20 a part: 4 parts, each ending at the first line end past 17.75 bytes more.
    assert list(line_ranges(io.BytesIO(data), len(data), split_bytes=20)) == [
        (0, 21, 1), (21, 42, 4), (42, 56, 7), (56, 71, 9)]
    assert list(line_ranges(io.BytesIO(data), len(data), 40)) == [(0, 42, 1), (42, 71, 7)]
    assert list(line_ranges(io.BytesIO(b'no newline at the end'), 21, split_bytes=5)) == [(0, 21, 1)]


def test_a_large_jsonl_file_is_read_in_ranges_with_the_same_articles_and_line_numbers(tmp_path):
    path = tmp_path / 'dump.jsonl'
    lines = []
    for n in range(1, 41):
        lines.append(json.dumps({'id': f'a{n}', 'text': f'Story number {n}.'}) if n % 7 else '{"broken')
        if n % 10 == 0:
            lines.append('')
    path.write_text('\n'.join(lines) + '\n', encoding='utf-8')

    ranges = list(_SplitFileFn(split_bytes=300).process(FileRange(str(path))))
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
        whole = FileRange(str(tmp_path / name))
        assert list(_SplitFileFn(split_bytes=300).process(whole)) == [whole]


@pytest.mark.parametrize('name,content,error', [
    ('empty.txt', b'', 'empty text'),
    ('blank.txt', b'  \n\t\n', 'empty text'),
    ('photo.txt', bytes(range(256)) * 4, 'binary content, not a text article'),
    ('scan.pdf', b'%PDF-1.4', "unsupported file type '.pdf'"),
    ('feed.jsonl.zst', b'(\xb5/\xfd', "unsupported compression '.zst' (read: .gz, .bz2, .xz)"),
    ('broken.txt.gz', b'not gzip at all', "cannot read file: BadGzipFile: Not a gzipped file (b'no')"),
])
def test_files_that_are_not_articles_are_dead_letters(tmp_path, name, content, error):
    path = tmp_path / name
    path.write_bytes(content)
    articles, [dead] = _read(path)
    assert articles == []
    assert (dead.source_uri, dead.source_id, dead.stage, dead.error) == (str(path), name, 'read', error)


def _bomb(path, stream_bytes, streams):
    """A bzip2 file of ``streams`` concatenated streams of ``stream_bytes`` zeros: kilobytes that expand to
    stream_bytes * streams."""
    one = bz2.compress(b'\0' * stream_bytes)
    path.write_bytes(one * streams)
    return len(one) * streams


def test_a_text_decompression_bomb_is_read_only_up_to_the_article_limit(tmp_path):
    path = tmp_path / 'story.txt.bz2'
    size = _bomb(path, 50_000_000, 50)            # 2.5 GB of zeros in a few kilobytes
    assert size < 5_000
    articles, [dead] = _read(path, max_chars=1_000_000)
    assert articles == []
    assert dead.error == (f'story.txt.bz2: {size:,} compressed bytes expand to over 1,114,112 (more than 100x: '
                          'a decompression bomb, not text); reading stopped')
    # A plain text file over the limit says so.
    (tmp_path / 'long.txt').write_bytes(b'word ' * 1000)
    assert _read(tmp_path / 'long.txt', max_chars=1000)[1][0].error == (
        'long.txt holds over 4,000 bytes, more than an article of the character limit')


@pytest.mark.parametrize('line_end', [b'', b'\n'])
def test_a_jsonl_decompression_bomb_stops_at_the_expansion_limit(tmp_path, monkeypatch, line_end):
    # Zeros with or without line ends: blank lines, or one endless line.
    path = tmp_path / 'feed.jsonl.bz2'
    one = bz2.compress((b'\0' * 99 + line_end) * 500_000)
    path.write_bytes(one * 50)                    # 2.5 GB in about 2 KB
    read = []
    original = reading._GuardedStream.read

    def counting(self, size=-1):
        data = original(self, size)
        read.append(len(data))
        return data

    monkeypatch.setattr(reading._GuardedStream, 'read', counting)
    articles, dead = _read(path, max_chars=1_000_000)
    assert articles == []
    # Lines of zeros are not JSON, each a dead letter, until the stream is found out.
    assert all('not JSON' in letter.error for letter in dead[:-1])
    assert len(dead) - 1 <= reading.BOMB_MIN_BYTES // 100
    assert 'a decompression bomb, not text); reading stopped' in dead[-1].error
    # It stopped a chunk past the point where the ratio was first checked, not after 2.5 GB.
    assert sum(read) <= reading.BOMB_MIN_BYTES + reading.CHUNK_BYTES


@pytest.mark.parametrize('cut', ['at_line_end', 'mid_stream'])
def test_a_truncated_archive_keeps_what_was_read_and_says_the_rest_is_lost(tmp_path, cut):
    lines = b''.join(json.dumps({'id': f'a{n}', 'text': f'Story {n} ' + 'word ' * 50}).encode() + b'\n'
                     for n in range(200))
    whole = gzip.compress(lines)
    # A gzip member ends with an 8-byte trailer (CRC and size) after the compressed data: cutting it off
    # leaves every line decodable, "exactly at a line end", but the stream unfinished.
    data = whole[:-8] if cut == 'at_line_end' else whole[:len(whole) // 2]
    path = tmp_path / 'feed.jsonl.gz'
    path.write_bytes(data)
    articles, [dead] = _read(path, max_chars=10_000)
    assert 0 < len(articles) <= 200
    assert (cut == 'at_line_end') == (len(articles) == 200)
    assert dead.error == (f'after line {len(articles)}: feed.jsonl.gz is truncated: the compressed stream ends '
                          'before its end marker (Compressed file ended before the end-of-stream marker was reached)')


def test_an_overlong_line_is_a_dead_letter_and_the_lines_after_it_are_read(tmp_path):
    path = tmp_path / 'feed.jsonl'
    limit = reading.max_line_bytes(10)
    path.write_bytes(b'{"id": "huge", "text": "' + b'x' * limit + b'"}\n' + b'{"id": "next", "text": "Fine."}\n')
    [article], [dead] = _read(path, max_chars=10)
    assert article.source_id == 'next'
    assert (dead.source_uri, dead.error) == (f'{path}#L1', f'line 1: {limit + 27:,} bytes, over the limit of {limit:,}')
    assert dead.raw_excerpt.startswith('{"id": "huge"')


def test_bounded_lines_never_holds_more_than_the_limit():
    stream = io.BytesIO(b'short\n' + b'y' * 1000 + b'\nlast')
    assert list(reading.bounded_lines(stream, limit=100)) == [
        b'short\n', reading.LongLine(b'y' * 1000, 1001), b'last']
    # A range ends where it says, at a line end.
    assert list(reading.bounded_lines(io.BytesIO(b'a\nb\nc\n'), 10, end=4)) == [b'a\n', b'b\n']
