"""Raw bytes -> articles: file kinds, decoding, bounded decompression and JSON articles.

Beam-free: ``transforms/read.py`` opens the files (any Beam file system) and calls
these functions on the open handles.  Everything here is written for input that
may be hostile or broken, because one bad file in a scheduled job's inbox would
otherwise stop every later run too:

* text is valid Unicode when it leaves this module (bytes that are not UTF-8 and
  lone surrogate escapes in JSON become U+FFFD, and the article is flagged);
* a file is never read past what an article can be: a compressed stream is
  decompressed in chunks and abandoned at the limit, so memory stays bounded
  whatever the compression ratio;
* a compressed stream that ends early (a truncated download) is reported, after
  the lines that could be read, instead of passing for a shorter file.
"""
import bz2
import gzip
import io
import json
import lzma
import os
import re
from typing import Iterator, NamedTuple, Optional, Tuple, Union

from schemas.records import DeadLetter, RawArticle
from transforms.core.dead_letters import EXCERPT_CHARS, excerpt
from transforms.core.defaults import DEFAULT_MAX_ARTICLE_CHARS

JSONL_EXTENSIONS = ('.jsonl', '.ndjson')
TEXT_EXTENSIONS = ('.txt', '.text', '')
# Compressed formats whose readers report a stream that ends early (EOFError) and read in bounded chunks.
_DECOMPRESSORS = {'.gz': gzip.GzipFile, '.bz2': bz2.BZ2File, '.xz': lzma.LZMAFile, '.lzma': lzma.LZMAFile}
# Known compression suffixes without such a reader here: refused with a reason rather than read as text.
_UNSUPPORTED_COMPRESSION = ('.zst', '.zstd', '.deflate', '.z', '.zip', '.7z', '.rar')
STAGE = 'read'
CHUNK_BYTES = 64 << 10
# A compressed input may not expand by more than this ratio once it is past BOMB_MIN_BYTES.  News text
# compresses 3-10x with gzip, bzip2 or xz; this leaves room for repetitive JSON and stops what only a
# crafted stream does (a kilobyte of bzip2 can hold gigabytes of zeros).
MAX_EXPANSION_RATIO = 100
BOMB_MIN_BYTES = 1 << 20


def max_text_bytes(max_chars: int) -> int:
    """The most bytes a text of max_chars characters takes in UTF-8."""
    return 4 * max_chars


def max_line_bytes(max_chars: int) -> int:
    """The most bytes one JSONL line may take: the text escaped (``\\uXXXX``, 6 bytes a character) plus the
    other fields."""
    return 6 * max_chars + (1 << 20)


def compression_of(path: str) -> str:
    """The compression suffix of a file name ('.gz', '.bz2', ...) or '' for a plain file."""
    suffix = os.path.splitext(path.lower())[1]
    return suffix if suffix in _DECOMPRESSORS or suffix in _UNSUPPORTED_COMPRESSION else ''


def kind_of(path: str) -> str:
    """'jsonl', 'text', or '' (unsupported), from the file name without its compression suffix."""
    name = os.path.basename(path).lower()
    compression = compression_of(name)
    if compression in _UNSUPPORTED_COMPRESSION:
        return ''
    if compression:
        name = name[:-len(compression)]
    ext = os.path.splitext(name)[1]
    if ext in JSONL_EXTENSIONS:
        return 'jsonl'
    if ext in TEXT_EXTENSIONS:
        return 'text'
    return ''


def unsupported_reason(path: str) -> str:
    """Why a file of this name is not read (for its dead letter)."""
    compression = compression_of(path)
    if compression in _UNSUPPORTED_COMPRESSION:
        return f'unsupported compression {compression!r} (read: .gz, .bz2, .xz)'
    return f'unsupported file type {os.path.splitext(os.path.basename(path))[1]!r}'


class InputTooLarge(Exception):
    """The input is larger than any article may be; reading stopped there.

    Attributes:
      head: the first bytes read, to tell what the input was.
    """

    def __init__(self, message: str, head: bytes = b''):
        super().__init__(message)
        self.head = head


class DecompressionBomb(InputTooLarge):
    """A compressed input expands far beyond what text does; reading stopped."""


class TruncatedArchive(Exception):
    """A compressed stream ended before its end-of-stream marker."""


class _GuardedStream(io.RawIOBase):
    """A decompressed stream that stops at a compression-ratio bomb, and turns a stream's early end into
    TruncatedArchive.

    Args:
      raw: the compressed file, opened in binary.
      opener: gzip.GzipFile, bz2.BZ2File or lzma.LZMAFile.
      name: for messages.
    """

    def __init__(self, raw, opener, name: str):
        super().__init__()
        self._raw = raw
        self._stream = opener(fileobj=raw) if opener is gzip.GzipFile else opener(raw)
        self._name = name
        self.decompressed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = CHUNK_BYTES
        try:
            # read1: what one step of decompression gives, so that the lines before a truncation are
            # returned by the calls before the one that meets it.
            data = self._stream.read1(size)
        except EOFError as error:
            raise TruncatedArchive(f'{self._name} is truncated: the compressed stream ends before its end '
                                   f'marker ({error})') from error
        self.decompressed += len(data)
        if self.decompressed > BOMB_MIN_BYTES:
            compressed = max(1, _position(self._raw))
            if self.decompressed > MAX_EXPANSION_RATIO * compressed:
                raise DecompressionBomb(
                    f'{self._name}: {compressed:,} compressed bytes expand to over {self.decompressed:,} '
                    f'(more than {MAX_EXPANSION_RATIO}x: a decompression bomb, not text); reading stopped')
        return data


def _position(raw) -> int:
    try:
        return raw.tell()
    except (OSError, ValueError, AttributeError):
        return 0


def decompressed(raw, path: str):
    """The readable, bounded stream of a file's content: itself when not compressed."""
    opener = _DECOMPRESSORS.get(compression_of(path))
    return _GuardedStream(raw, opener, os.path.basename(path)) if opener else raw


def read_at_most(stream, limit: int, name: str) -> bytes:
    """All of a stream when it holds at most ``limit`` bytes, read in chunks.

    Raises:
      InputTooLarge: the stream holds more; no more than one chunk past the limit was read.
    """
    parts, size = [], 0
    while True:
        chunk = stream.read(min(CHUNK_BYTES, limit + 1 - size))
        if not chunk:
            return b''.join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise InputTooLarge(f'{name} holds over {limit:,} bytes, more than an article of the character limit',
                                head=parts[0][:_SNIFF_BYTES])


class LongLine(NamedTuple):
    """A line over the length limit, of which only the first bytes were kept."""
    head: bytes
    size: int


def bounded_lines(stream, limit: int, end: Optional[int] = None) -> Iterator[Union[bytes, LongLine]]:
    """The lines of a binary stream (with their newline), each at most ``limit`` bytes; longer lines come as
    LongLine and are skipped over without holding them.

    Args:
      stream: binary, readable.
      limit: most bytes of one line.
      end: stop after this many bytes (a range of a file), at a line end; None: the whole stream.
    """
    pending, pending_size, skipping, head = [], 0, False, b''
    remaining = end
    while remaining is None or remaining > 0:
        chunk = stream.read(CHUNK_BYTES if remaining is None else min(CHUNK_BYTES, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        start = 0
        while True:
            newline = chunk.find(b'\n', start)
            piece = chunk[start:] if newline < 0 else chunk[start:newline + 1]
            if skipping:
                pending_size += len(piece)
            elif pending_size + len(piece) > limit:
                joined = b''.join(pending) + piece
                head, skipping, pending = joined[:EXCERPT_CHARS], True, []
                pending_size += len(piece)
            else:
                pending.append(piece)
                pending_size += len(piece)
            if newline < 0:
                break
            yield LongLine(head, pending_size) if skipping else b''.join(pending)
            pending, pending_size, skipping, head = [], 0, False, b''
            start = newline + 1
    if skipping:
        yield LongLine(head, pending_size)
    elif pending_size:
        yield b''.join(pending)


def decode(data: bytes) -> Tuple[str, bool]:
    """UTF-8 text, and whether bytes that were not UTF-8 had to be replaced."""
    try:
        return data.decode('utf-8'), False
    except UnicodeDecodeError:
        return data.decode('utf-8', errors='replace'), True


_LONE_SURROGATE = re.compile('[\ud800-\udfff]')


def valid_unicode(text: str) -> Tuple[str, bool]:
    """The text with lone surrogates (a JSON ``"\\ud800"`` escape) replaced by U+FFFD, and whether any were.

    Python keeps them in a str, but no encoder will write them: one such character would fail the
    article in whatever stage first encodes it.
    """
    if _LONE_SURROGATE.search(text) is None:
        return text, False
    return _LONE_SURROGATE.sub('\ufffd', text), True


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith('\ufeff') else text


# Bytes that never occur in text files: C0 controls other than tab, newline, form feed, CR, ESC.
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_SNIFF_BYTES = 8192
# Scraped pages carry the odd NUL or control byte; images, PDFs and archives have them everywhere.
_MAX_BINARY_SHARE = 0.05


def looks_binary(data: bytes) -> bool:
    """Whether a file's first bytes look like an image, archive or other non-text content."""
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    binary = len(head) - len(head.translate(None, _BINARY_BYTES))
    return binary / len(head) > _MAX_BINARY_SHARE


def _field(value) -> Tuple[Optional[str], bool]:
    """An optional JSON field as stripped, valid text (None when absent or empty), and whether it was mended."""
    if value is None:
        return None, False
    text, replaced = valid_unicode(str(value).strip())
    return text or None, replaced


def checked_article(uri: str, source_id: str, text: str, max_chars: int, title: Optional[str] = None,
                    published: Optional[str] = None, url: Optional[str] = None, source_name: Optional[str] = None,
                    replaced: bool = False) -> Union[RawArticle, DeadLetter]:
    """A RawArticle, or a DeadLetter when the text is empty or too long."""
    if not text.strip():
        return DeadLetter(uri, source_id, STAGE, 'empty text', excerpt(text))
    if len(text) > max_chars:
        return DeadLetter(uri, source_id, STAGE, f'text has {len(text):,} characters, over the limit of '
                          f'{max_chars:,}', excerpt(text))
    return RawArticle(uri, source_id, text, title, published, url, source_name, replaced)


def text_file_article(stream, uri: str, source_id: str, max_chars: int) -> Union[RawArticle, DeadLetter]:
    """A whole (decompressed) stream as one article, read no further than an article can be."""
    try:
        data = read_at_most(stream, max_text_bytes(max_chars), source_id)
    except InputTooLarge as error:
        if looks_binary(error.head):
            return DeadLetter(uri, source_id, STAGE, 'binary content, not a text article', excerpt(error.head[:200]))
        return DeadLetter(uri, source_id, STAGE, str(error), excerpt(error.head))
    return text_article(uri, source_id, data, max_chars)


def text_article(uri: str, source_id: str, data: bytes, max_chars: int) -> Union[RawArticle, DeadLetter]:
    """A whole file as one article: RawArticle, or DeadLetter for binary, empty or oversized content."""
    if looks_binary(data):
        return DeadLetter(uri, source_id, STAGE, 'binary content, not a text article', excerpt(data[:200]))
    text, replaced = decode(data)
    return checked_article(uri, source_id, _strip_bom(text), max_chars, replaced=replaced)


def json_article(data: bytes, uri: str, default_id: str, where: str, max_chars: int) -> Union[RawArticle, DeadLetter]:
    """One JSON article (a JSONL line or a message): RawArticle, or DeadLetter saying what is wrong.

    Never raises: whatever a line holds, it becomes an article or a dead letter.

    Args:
      data: the JSON object's bytes.
      uri: source_uri of the article.
      default_id: source_id when the object has no "id".
      where: how errors name the place, e.g. 'line 3'.
      max_chars: longer texts are dead letters.
    """
    try:
        return _json_article(data, uri, default_id, where, max_chars)
    except Exception as error:  # pylint: disable=broad-except
        return DeadLetter(uri, None, STAGE, f'{where}: {type(error).__name__}: {error}', excerpt(data))


def _json_article(data: bytes, uri: str, default_id: str, where: str, max_chars: int) -> Union[RawArticle, DeadLetter]:
    line, replaced = decode(data)
    line = _strip_bom(line)
    try:
        record = json.loads(line)
    except ValueError as error:
        return DeadLetter(uri, None, STAGE, f'{where}: not JSON: {error}', excerpt(line))
    except RecursionError:
        return DeadLetter(uri, None, STAGE, f'{where}: not JSON an article can be: nested too deeply', excerpt(line))
    if not isinstance(record, dict):
        return DeadLetter(uri, None, STAGE, f'{where}: a JSON {type(record).__name__}, not an object',
                          excerpt(line))
    source_id, mended_id = _field(record.get('id'))
    source_id = source_id or default_id
    text = record.get('text')
    if not isinstance(text, str):
        problem = 'no "text" field' if text is None else f'"text" is a {type(text).__name__}'
        return DeadLetter(uri, source_id, STAGE, f'{where}: {problem}', excerpt(line))
    text, mended_text = valid_unicode(text)
    fields = {name: _field(record.get(key)) for name, key in
              (('title', 'title'), ('published', 'published'), ('url', 'url'), ('source_name', 'source'))}
    mended = replaced or mended_id or mended_text or any(flag for _, flag in fields.values())
    return checked_article(uri, source_id, text, max_chars, replaced=mended,
                           **{name: value for name, (value, _) in fields.items()})
