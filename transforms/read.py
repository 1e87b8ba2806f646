"""Read raw articles from text and JSONL files.

``ReadArticles(patterns)`` expands file globs at construction time (failing fast on a
glob that matches nothing) and yields one ``RawArticle`` per article:

* ``*.txt`` (and ``*.text``, or no extension): one article per file; ``source_id`` is
  the file name.
* ``*.jsonl`` / ``*.ndjson``: one article per line with ``text`` (required), ``id``,
  ``title``, ``published``, ``url``, ``source``.

Either may be gzip- or bzip2-compressed (``.gz``/``.bz2``, detected by Beam's
file systems).  An uncompressed JSONL file over ``SPLIT_BYTES`` is read in ranges
of whole lines, of equal size and at most about that, which the runner spreads
over workers like files: a single large dump does not leave all but one worker
idle.  Ranges are handed out largest first, seated so that each worker of the
local runner gets an even share (``deal_order``).  When the run gives a work-queue
directory (the local runner's worker processes, all on this machine), each
worker instead gets the whole list of smaller ranges and reads the next one that
no other worker has claimed (``claim``), so a worker on a slower core, or with
costlier articles, reads fewer.  Finding the line ends and
numbers reads such a file once more, which costs little beside the NLP.  (A
compressed stream cannot be entered in the middle, so it stays one unit.)  Line
numbers, and so source ids and article ids, are the same however a file is split.
Bytes that are not UTF-8 are replaced and the article is flagged; input that
cannot become an article (a line that is not JSON, no text, a binary
or unsupported file, an unreadable file) goes to the dead-letter output with the
file, the line number and the reason.  Every candidate article is counted in
``articles_read``, so that read = written + dead-lettered at the end of a run.
"""
import glob
import io
import json
import multiprocessing
import os
import uuid
import zlib
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.options.pipeline_options import DirectOptions

from schemas.records import DeadLetter, RawArticle
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, StageResult, excerpt

JSONL_EXTENSIONS = ('.jsonl', '.ndjson')
TEXT_EXTENSIONS = ('.txt', '.text', '')
_COMPRESSED_EXTENSIONS = ('.gz', '.bz2', '.deflate', '.zst', '.lzma')
# Larger inputs are not news articles (and would exceed spaCy's max_length).
DEFAULT_MAX_ARTICLE_CHARS = 1_000_000
# About 25 news articles: a dump of 1,000 articles makes some 30 ranges, enough that two
# workers end within seconds of each other once the ranges are dealt largest first.
SPLIT_BYTES = 128 << 10
# About 3 news articles (under a second of NLP): what a queue's last range can leave one worker
# with after the other has run out.
QUEUED_SPLIT_BYTES = 16 << 10
STAGE = 'read'


class FileRange(NamedTuple):
    """What one read covers: a whole file, or the lines of a JSONL file from byte start to end."""
    path: str
    start: int = 0
    end: Optional[int] = None     # None: to the end of the file
    first_line: int = 1
    size: int = 0                 # bytes on disk it covers (0: unknown), to deal ranges out evenly


def _kind_of(path: str) -> str:
    """'jsonl', 'text' or '' (unsupported), from the file name without a compression suffix."""
    name = os.path.basename(path).lower()
    for suffix in _COMPRESSED_EXTENSIONS:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
            break
    ext = os.path.splitext(name)[1]
    if ext in JSONL_EXTENSIONS:
        return 'jsonl'
    if ext in TEXT_EXTENSIONS:
        return 'text'
    return ''


def expand_patterns(patterns: Sequence[str]) -> List[str]:
    """All files matched by the globs, sorted and without repeats.

    ``dir/**/*`` matches files directly in ``dir`` too, as in shells and
    ``glob(recursive=True)``; Beam's own matcher needs at least one sub-directory.
    Dot-files and dot-directories (``.DS_Store``, ``.git``) are skipped.

    Raises:
      ValueError: a pattern matches no file.
    """
    paths = set()
    for pattern in patterns:
        variants = [pattern]
        if '/**/' in pattern:
            variants.append(pattern.replace('/**/', '/'))
        matched = set()
        for variant in variants:
            if FileSystems.get_scheme(variant) is None:
                matched.update(p for p in glob.glob(variant, recursive=True) if os.path.isfile(p))
            else:
                for result in FileSystems.match([variant]):
                    matched.update(m.path for m in result.metadata_list)
        matched = {p for p in matched if not _is_hidden(p, pattern)}
        if not matched:
            raise ValueError(f'--input {pattern!r} does not match any files')
        paths.update(matched)
    return sorted(paths)


def _is_hidden(path: str, pattern: str) -> bool:
    """True for dot-files and files under dot-directories below the glob's fixed part."""
    base = pattern.split('*', 1)[0].rsplit('/', 1)[0]
    relative = os.path.relpath(path, base) if base else path
    return any(part.startswith('.') for part in relative.split(os.sep))


# Bytes that never occur in text files: C0 controls other than tab, newline, form feed, CR, ESC.
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_SNIFF_BYTES = 8192
# Scraped pages carry the odd NUL or control byte (seen in real archives); images, PDFs and
# archives have them everywhere.
_MAX_BINARY_SHARE = 0.05


def looks_binary(data: bytes) -> bool:
    """Whether a file's first bytes look like an image, archive or other non-text content."""
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    binary = len(head) - len(head.translate(None, _BINARY_BYTES))
    return binary / len(head) > _MAX_BINARY_SHARE


def _decode(data: bytes):
    try:
        return data.decode('utf-8'), False
    except UnicodeDecodeError:
        return data.decode('utf-8', errors='replace'), True


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith('\ufeff') else text


def _optional_str(value):
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _checked(uri, source_id, text, title, published, url, source_name, replaced, max_chars):
    """A RawArticle, or a DeadLetter when the text is empty or too long."""
    if not text.strip():
        return DeadLetter(uri, source_id, STAGE, 'empty text', excerpt(text))
    if len(text) > max_chars:
        return DeadLetter(uri, source_id, STAGE, f'text has {len(text):,} characters, over the limit of '
                          f'{max_chars:,}', excerpt(text))
    return RawArticle(uri, source_id, text, title, published, url, source_name, replaced)


def text_article(uri: str, source_id: str, data: bytes, max_chars: int):
    """A whole file as one article: RawArticle, or DeadLetter for binary, empty or oversized content."""
    if looks_binary(data):
        return DeadLetter(uri, source_id, STAGE, 'binary content, not a text article',
                          excerpt(data[:200].decode('latin-1')))
    text, replaced = _decode(data)
    return _checked(uri, source_id, _strip_bom(text), None, None, None, None, replaced, max_chars)


def json_article(data: bytes, uri: str, default_id: str, where: str, max_chars: int):
    """One JSON article (a JSONL line or a message): RawArticle, or DeadLetter saying what is wrong.

    Args:
      data: the JSON object's bytes.
      uri: source_uri of the article.
      default_id: source_id when the object has no "id".
      where: how errors name the place, e.g. 'line 3'.
      max_chars: longer texts are dead letters.
    """
    line, replaced = _decode(data)
    line = _strip_bom(line)
    try:
        record = json.loads(line)
    except ValueError as error:
        return DeadLetter(uri, None, STAGE, f'{where}: not JSON: {error}', excerpt(line))
    if not isinstance(record, dict):
        return DeadLetter(uri, None, STAGE, f'{where}: a JSON {type(record).__name__}, not an object',
                          excerpt(line))
    source_id = _optional_str(record.get('id')) or default_id
    text = record.get('text')
    if not isinstance(text, str):
        problem = 'no "text" field' if text is None else f'"text" is a {type(text).__name__}'
        return DeadLetter(uri, source_id, STAGE, f'{where}: {problem}', excerpt(line))
    return _checked(uri, source_id, text, _optional_str(record.get('title')), _optional_str(record.get('published')),
                    _optional_str(record.get('url')), _optional_str(record.get('source')), replaced, max_chars)


def line_ranges(handle, size: int, split_bytes: int) -> Iterable[FileRange]:
    """A binary file handle of size bytes -> FileRanges (path left empty) of whole lines, in as many
    parts of near-equal size as it takes to keep each about split_bytes (a part ends at the first line
    end past its share)."""
    parts = max(1, -(-size // split_bytes))
    start = offset = 0
    first_line = line_number = 1
    part = 1   # the part being filled: it ends at size * part / parts bytes
    for line in iter(handle.readline, b''):
        offset += len(line)
        line_number += 1
        if part < parts and offset * parts >= size * part:
            yield FileRange('', start, offset, first_line, offset - start)
            start, first_line = offset, line_number
            part = offset * parts // size + 1
    if offset > start or not start:   # the rest, or the whole of a file that ends up empty
        yield FileRange('', start, offset, first_line, offset - start)


def file_size(path: str) -> Optional[int]:
    """Bytes of a file on any Beam file system; None when it cannot be read."""
    try:
        if FileSystems.get_scheme(path) is None:
            return os.path.getsize(path)
        return FileSystems.match([path])[0].metadata_list[0].size_in_bytes
    except (OSError, IndexError, ValueError):
        return None


class _SplitFileFn(beam.DoFn):
    """A file path -> the FileRanges to read it in: several for a large uncompressed JSONL file, else one."""

    def __init__(self, split_bytes: int):
        self._split_bytes = split_bytes

    def process(self, path: str) -> Iterable[FileRange]:
        # A list, not a generator with an early return: Beam warns that mixing the two misleads.
        size = file_size(path)
        if (_kind_of(path) != 'jsonl' or size is None or size <= self._split_bytes
                or CompressionTypes.detect_compression_type(path) != CompressionTypes.UNCOMPRESSED):
            return [FileRange(path, size=size or 0)]
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                return [r._replace(path=path) for r in line_ranges(handle, size, self._split_bytes)]
        except OSError:
            # The reader meets the same error and dead-letters the file with it.
            return [FileRange(path, size=size)]


def deal_order(ranges: Iterable[FileRange], hands: int) -> List[FileRange]:
    """The ranges in the order to hand them out so that ``hands`` workers get even shares.

    The local runner (FnApiRunner) splits a stage's input between its workers once, before
    the stage runs, dealing elements out in turn in the order they arrived (element k to
    worker k mod hands), and never moves work afterwards.  In file order a dump's ranges
    fall to the workers the same way in every file: on the bench input (Tehran Times, 1,000
    articles in 10 files, 2 workers) one worker got 5.7% more words than the other, spent
    50.8 CPU-seconds against 43.9 and finished 6 s later.  Here the ranges are taken largest
    first, ``hands`` at a time, and in each such round the largest goes to the seat of the
    worker with the least so far: each worker gets as many ranges, and bytes within about one
    range of the others (that input: 0.6% apart in words; the workers spent 52.8 and 54.1
    CPU-seconds).  Runners that rebalance work while it runs (Dataflow, Flink) are
    indifferent to the order.

    Args:
      ranges: FileRanges with their sizes.
      hands: how many workers the runner deals to (1: largest first).
    """
    ordered = sorted(ranges, key=lambda r: (-r.size, r.path, r.start))
    if hands <= 1:
        return ordered
    loads = [0] * hands
    dealt = []
    for first in range(0, len(ordered), hands):
        round_ = ordered[first:first + hands]
        # A last, short round reaches only the first len(round_) seats.
        seats = sorted(range(len(round_)), key=lambda seat: loads[seat])
        by_seat = dict(zip(seats, round_))
        for seat in range(len(round_)):
            dealt.append(by_seat[seat])
            loads[seat] += by_seat[seat].size
    return dealt


def claim(claims_dir: str, index: int) -> bool:
    """Whether this caller is the first to claim item ``index`` of ``claims_dir``'s queue.

    Exactly one caller is, across the processes of one machine: the claim is the creation of
    a file named after the item, which the operating system makes atomic (``O_EXCL``).
    """
    try:
        os.close(os.open(os.path.join(claims_dir, str(index)), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True


def hands_of(ranges: Iterable[FileRange], hands: int) -> List[Tuple[int, List[FileRange]]]:
    """One element per worker, each with every range, largest first: the queue they claim from."""
    ordered = deal_order(ranges, 1)
    return [(hand, ordered) for hand in range(hands)]


class _ReadFileFn(beam.DoFn):
    """Reads one file into RawArticles; bad input goes to DEAD_LETTER."""

    def __init__(self, max_article_chars: int):
        self._max_chars = max_article_chars
        self._read = Metrics.counter(METRICS_NAMESPACE, 'articles_read')
        self._bad = Metrics.counter(METRICS_NAMESPACE, 'dead_letter_read')

    def _emit(self, result):
        """Counts a candidate article and tags it when it is a dead letter."""
        self._read.inc()
        if isinstance(result, DeadLetter):
            self._bad.inc()
            return pvalue.TaggedOutput(DEAD_LETTER, result)
        return result

    def process(self, file_range: FileRange) -> Iterable:
        path = file_range.path
        kind = _kind_of(path)
        name = os.path.basename(path)
        if not kind:
            yield self._emit(DeadLetter(path, name, STAGE, f'unsupported file type {os.path.splitext(name)[1]!r}', ''))
        else:
            yield from self._read_file(file_range, name, kind)

    def _read_file(self, file_range: FileRange, name: str, kind: str) -> Iterable:
        path = file_range.path
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.AUTO) as handle:
                if kind == 'jsonl':
                    if file_range.end is not None:
                        handle.seek(file_range.start)
                        handle = io.BytesIO(handle.read(file_range.end - file_range.start))
                    # Beam's CompressedFile has readline() but is not iterable.
                    for number, line in enumerate(iter(handle.readline, b''), start=file_range.first_line):
                        if line.strip():
                            yield self._emit(json_article(line, f'{path}#L{number}', f'{name}#L{number}',
                                                          f'line {number}', self._max_chars))
                else:
                    yield self._emit(text_article(path, name, handle.read(), self._max_chars))
        except (OSError, EOFError, ValueError, zlib.error) as error:  # unreadable file or corrupt archive
            yield self._emit(DeadLetter(path, name, STAGE, f'cannot read file: {error}', ''))


class _ReadClaimedFn(_ReadFileFn):
    """One worker's hand ``(hand, ranges)`` -> the articles of each range it claims before the others.

    The local runner splits a stage's input between its workers once and never moves work, so
    the ranges themselves are not split: every worker gets all of them and reads, in turn, those
    it is first to claim.  The worker that runs faster claims more; each range is read once.
    """

    def __init__(self, max_article_chars: int, claims_dir: str):
        super().__init__(max_article_chars)
        self._claims_dir = claims_dir

    def setup(self):
        os.makedirs(self._claims_dir, exist_ok=True)

    def process(self, hand: Tuple[int, List[FileRange]]) -> Iterable:
        _, ranges = hand
        for index, file_range in enumerate(ranges):
            if claim(self._claims_dir, index):
                yield from super().process(file_range)


def _local_workers(options) -> int:
    """How many workers the local runner deals a stage's input to (1 when the options don't say)."""
    workers = options.view_as(DirectOptions).direct_num_workers if options else 1
    return workers if workers > 0 else multiprocessing.cpu_count()


class ReadArticles(beam.PTransform):
    """Reads articles from file globs; returns ``StageResult(articles, dead_letters)``.

    Args:
      patterns: file globs (local paths or any Beam file system, e.g. ``gs://``).
      max_article_chars: longer texts are dead-lettered.
      split_bytes: the size of a JSONL file's ranges (default: SPLIT_BYTES, QUEUED_SPLIT_BYTES
        with a work queue).
      work_queue_dir: a directory that every worker process of the run can write to (the local
        runner's, on this machine); with more than one worker they then claim ranges from a queue
        in a directory of this read's own under it.  None (the default): ranges are dealt once.
    """

    def __init__(self, patterns: Sequence[str], max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
                 split_bytes: Optional[int] = None, work_queue_dir: Optional[str] = None):
        super().__init__()
        if not patterns:
            raise ValueError('at least one --input is required')
        self._paths = expand_patterns(patterns)
        self._max_chars = max_article_chars
        self._split_bytes = split_bytes or (QUEUED_SPLIT_BYTES if work_queue_dir else SPLIT_BYTES)
        # Each read of a run (pass 1 and pass 2 both read) claims in a queue of its own.
        self._claims_dir = os.path.join(work_queue_dir, uuid.uuid4().hex) if work_queue_dir else None

    def expand(self, pbegin):
        hands = _local_workers(pbegin.pipeline.options)
        ranges = (
            pbegin
            | 'ListFiles' >> beam.Create(self._paths)
            # Spread files over workers: Create puts them all in one bundle.
            | 'SpreadFiles' >> beam.Reshuffle()
            | 'SplitFiles' >> beam.ParDo(_SplitFileFn(self._split_bytes))
            | 'AllRanges' >> beam.combiners.ToList())
        if self._claims_dir and hands > 1:
            results = (ranges
                       | 'DealHands' >> beam.FlatMap(hands_of, hands)
                       | 'SpreadHands' >> beam.Reshuffle()
                       | 'ReadClaimedRanges' >> beam.ParDo(_ReadClaimedFn(self._max_chars, self._claims_dir))
                       .with_outputs(DEAD_LETTER, main='articles'))
        else:
            results = (ranges
                       | 'DealOrder' >> beam.FlatMap(deal_order, hands)
                       | 'SpreadRanges' >> beam.Reshuffle()
                       | 'ReadFiles' >> beam.ParDo(_ReadFileFn(self._max_chars)).with_outputs(
                           DEAD_LETTER, main='articles'))
        return StageResult(results.articles, results[DEAD_LETTER])
