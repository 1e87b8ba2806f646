"""Read raw articles from text and JSONL files.

``ReadArticles(patterns)`` expands the inputs when the pipeline is built (a glob that
matches nothing is a usage error) and yields one ``RawArticle`` per article:

* ``*.txt`` (and ``*.text``, or no extension): one article per file; ``source_id`` is
  the file name.
* ``*.jsonl`` / ``*.ndjson``: one article per line with ``text`` (required), ``id``,
  ``title``, ``published``, ``url``, ``source``.
* Either may be compressed (``.gz``, ``.bz2``, ``.xz``).
* A directory means the files at any depth under it.

An uncompressed JSONL file over ``SPLIT_BYTES`` is read in ranges of whole lines, which
the runner spreads over workers like files, so one large dump does not leave all but
one worker idle; line numbers, and so source ids and article ids, do not depend on the
split.  Input that cannot become an article goes to the dead-letter output with the file,
the line number and the reason, whatever went wrong: the parsing rules are in
``transforms.core.reading``.  Files that are not regular files (FIFOs, devices), broken
links and symbolic links that leave the input's root are refused with a dead letter when
the inputs are expanded.  Every candidate article is counted in ``articles_read``, so that
read = written + dead-lettered at the end of a run.
"""
import glob
import os
import stat
from typing import Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PBegin

from schemas.records import DeadLetter, RawArticle
from transforms.core import reading
from transforms.core.errors import UsageError
from transforms.core.reading import DEFAULT_MAX_ARTICLE_CHARS, STAGE, excerpt
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, StageResult

__all__ = ['DEFAULT_MAX_ARTICLE_CHARS', 'Inputs', 'ReadArticles', 'expand_inputs', 'file_size']

# About 25 news articles: a dump of 1,000 articles makes some 30 ranges to spread over workers.
SPLIT_BYTES = 128 << 10


class FileRange(NamedTuple):
    """What one read covers: a whole file, or the lines of a JSONL file from byte start to end."""
    path: str
    start: int = 0
    end: Optional[int] = None       # None: to the end of the file
    first_line: int = 1
    refusal: Optional[str] = None   # why the file is not read at all (its dead letter's reason)


class Refused(NamedTuple):
    """A matched path that is not read, and why."""
    path: str
    reason: str


class Inputs(NamedTuple):
    """The files a run reads, and the matched paths it refuses (each becomes a dead letter)."""
    paths: Tuple[str, ...]
    refused: Tuple[Refused, ...]


def _is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) is None


def _root_of(pattern: str) -> str:
    """The directory a glob starts from: its part before the first wildcard, up to a slash."""
    fixed = pattern
    for wildcard in '*?[':
        fixed = fixed.split(wildcard, 1)[0]
    if fixed == pattern:
        return os.path.dirname(pattern) or '.'
    return fixed.rsplit('/', 1)[0] if '/' in fixed else '.'


def _is_hidden(path: str, root: str) -> bool:
    """True for dot-files and files under dot-directories below the glob's root."""
    return any(part.startswith('.') for part in os.path.relpath(path, root).split(os.sep))


def refusal(path: str, root: str, follow_links: bool) -> Optional[str]:
    """Why a local path a glob matched must not be read as an article, or None when it can be.

    Args:
      path: the matched path.
      root: the directory its glob starts from.
      follow_links: whether a symbolic link may lead out of ``root``.
    """
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return f'broken symbolic link (to {os.readlink(path)!r})' if os.path.islink(path) else 'vanished'
    except OSError as error:
        return f'cannot inspect the file: {error.strerror}'
    if not stat.S_ISREG(status.st_mode):
        kind = ('a FIFO' if stat.S_ISFIFO(status.st_mode) else 'a socket' if stat.S_ISSOCK(status.st_mode)
                else 'a device' if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode) else 'special')
        return f'not a regular file ({kind})'
    real, real_root = os.path.realpath(path), os.path.realpath(root)
    if not follow_links and os.path.commonpath([real, real_root]) != real_root:
        return (f'a symbolic link to {real}, outside the input root {real_root} '
                '(--follow-links reads such links)')
    return None


def expand_inputs(patterns: Sequence[str], follow_links: bool = False) -> Inputs:
    """The files to read and the paths refused with the reason, from globs, files and directories.

    A directory means every file under it; ``dir/**/*`` matches files directly in ``dir`` too, as in
    shells; dot-files and dot-directories (``.DS_Store``, ``.git``) are skipped.

    Raises:
      UsageError: a pattern matches nothing.
    """
    paths, refused = set(), {}
    for pattern in patterns:
        if _is_local(pattern) and os.path.isdir(pattern):
            pattern = os.path.join(pattern, '**', '*')
        matched = set()
        if _is_local(pattern):
            root = _root_of(pattern)
            variants = {pattern, pattern.replace('/**/', '/')}
            for path in (p for variant in variants for p in glob.glob(variant, recursive=True)):
                if os.path.isdir(path) or _is_hidden(path, root):
                    continue
                matched.add(path)
                reason = refusal(path, root, follow_links)
                if reason:
                    refused[path] = reason
        else:
            for result in FileSystems.match([pattern]):
                matched.update(m.path for m in result.metadata_list)
        if not matched:
            raise UsageError(f'--input {pattern!r} does not match any files')
        paths.update(matched)
    return Inputs(tuple(sorted(paths - set(refused))),
                  tuple(Refused(path, reason) for path, reason in sorted(refused.items())))


def file_size(path: str) -> Optional[int]:
    """Bytes of a file on any Beam file system; None when it cannot be read."""
    try:
        if _is_local(path):
            return os.path.getsize(path)
        return FileSystems.match([path])[0].metadata_list[0].size_in_bytes
    except (OSError, IndexError, ValueError):
        return None


def line_ranges(handle, size: int, split_bytes: int) -> Iterable[Tuple[int, int, int]]:
    """(start, end, first line number) of consecutive runs of whole lines of a binary handle of ``size`` bytes,
    in as many near-equal parts as it takes to keep each about ``split_bytes`` (a part ends at the first line
    end past its share)."""
    parts = max(1, -(-size // split_bytes))
    start = offset = 0
    first_line = line_number = 1
    part = 1
    for line in iter(handle.readline, b''):
        offset += len(line)
        line_number += 1
        if part < parts and offset * parts >= size * part:
            yield start, offset, first_line
            start, first_line = offset, line_number
            part = offset * parts // size + 1
    if offset > start or not start:   # the rest, or the whole of a file that ends up empty
        yield start, offset, first_line


class _SplitFileFn(beam.DoFn):
    """A file path -> the FileRanges to read it in: several for a large uncompressed JSONL file, else one."""

    def __init__(self, split_bytes: int):
        self._split_bytes = split_bytes

    def process(self, whole: FileRange) -> List[FileRange]:
        path = whole.path
        size = None if whole.refusal else file_size(path)
        if (reading.kind_of(path) != 'jsonl' or reading.compression_of(path) or size is None
                or size <= self._split_bytes):
            return [whole]
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
                return [FileRange(path, start, end, first) for start, end, first in
                        line_ranges(handle, size, self._split_bytes)]
        except Exception:  # pylint: disable=broad-except
            # Reading the file meets the same problem and dead-letters it with the reason.
            return [whole]


class _ReadFileFn(beam.DoFn):
    """Reads one FileRange into RawArticles; anything that goes wrong becomes a dead letter (DEAD_LETTER)."""

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
        name = os.path.basename(path)
        kind = reading.kind_of(path)
        if file_range.refusal or not kind:
            yield self._emit(DeadLetter(path, name, STAGE, file_range.refusal or reading.unsupported_reason(path), ''))
        else:
            yield from self._read_file(file_range, name, kind)

    def _read_file(self, file_range: FileRange, name: str, kind: str) -> Iterable:
        path = file_range.path
        where = f'line {file_range.first_line}'
        try:
            with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as raw:
                if kind == 'text':
                    yield self._emit(reading.text_file_article(reading.decompressed(raw, path), path, name,
                                                               self._max_chars))
                else:
                    for number, article in self._jsonl(raw, file_range, name):
                        where = f'after line {number}'
                        yield self._emit(article)
        except Exception as error:  # pylint: disable=broad-except
            # Whatever the cause (a truncated archive, a bomb, an I/O error), the file alone fails, after
            # the articles already read from it.
            reason = str(error) if isinstance(error, (reading.InputTooLarge, reading.TruncatedArchive)) else (
                f'cannot read file: {type(error).__name__}: {error}')
            if kind == 'jsonl':
                reason = f'{where}: {reason}'
            yield self._emit(DeadLetter(path, name, STAGE, reason, ''))

    def _jsonl(self, raw, file_range: FileRange, name: str):
        """(line number, RawArticle or DeadLetter) for each non-blank line of the range."""
        path = file_range.path
        end = None
        if file_range.end is not None:
            raw.seek(file_range.start)
            end = file_range.end - file_range.start
        limit = reading.max_line_bytes(self._max_chars)
        lines = reading.bounded_lines(reading.decompressed(raw, path), limit, end)
        for number, line in enumerate(lines, start=file_range.first_line):
            uri, where = f'{path}#L{number}', f'line {number}'
            if isinstance(line, reading.LongLine):
                yield number, DeadLetter(uri, f'{name}#L{number}', STAGE,
                                         f'{where}: {line.size:,} bytes, over the limit of {limit:,}',
                                         excerpt(line.head))
                continue
            if line.strip():
                yield number, reading.json_article(line, uri, f'{name}#L{number}', where, self._max_chars)


class ReadArticles(beam.PTransform[PBegin, StageResult]):
    """PBegin -> ``StageResult(outputs: PCollection[RawArticle], dead_letters: PCollection[DeadLetter])``.

    Args:
      inputs: ``Inputs`` (from ``expand_inputs``), or file globs, files or directories (local paths or any
        Beam file system, e.g. ``gs://``) to expand now.
      max_article_chars: longer texts are dead-lettered.
      follow_links: read symbolic links that lead out of their glob's root directory.
      split_bytes: uncompressed JSONL files larger than this are read in ranges of about this size.
    """

    def __init__(self, inputs: Union[Inputs, Sequence[str]], max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
                 follow_links: bool = False, split_bytes: int = SPLIT_BYTES):
        super().__init__()
        if not inputs:
            raise UsageError('at least one --input is required')
        if not isinstance(inputs, Inputs):
            inputs = expand_inputs(inputs, follow_links)
        self._paths, self._refused = inputs
        self._max_chars = max_article_chars
        self._split_bytes = split_bytes

    def expand(self, pbegin):
        files = [FileRange(path) for path in self._paths] + [FileRange(r.path, refusal=r.reason)
                                                              for r in self._refused]
        results = (
            pbegin
            | 'ListFiles' >> beam.Create(files)
            # Spread files over workers: Create puts them all in one bundle.
            | 'SpreadFiles' >> beam.Reshuffle()
            | 'SplitFiles' >> beam.ParDo(_SplitFileFn(self._split_bytes))
            | 'SpreadRanges' >> beam.Reshuffle()
            | 'ReadFiles' >> beam.ParDo(_ReadFileFn(self._max_chars)).with_outputs(DEAD_LETTER, main='articles'))
        return StageResult(results.articles, results[DEAD_LETTER])
