"""A RawArticle as an Article: stable id, content hash, publication time in UTC.  No Beam.

Later stages (datelines, source tags) refine ``body`` and fill the dateline and tag fields.
"""
import datetime
import hashlib
import re
from typing import Optional

from dateutil import parser as date_parser

from schemas.records import Article, RawArticle

# Control characters (a stray NUL in a scraped page) are not part of any article; the
# body, which NER and the warehouse see, drops them, while ``text`` keeps the bytes as read.
_CONTROL_CHARACTERS = re.compile(r'[\x00-\x08\x0b\x0e-\x1f\x7f]+')
_ID_HEX_CHARS = 32


def article_id_of(source_id: str, text: str) -> str:
    """Stable article id: the same source id and text give the same id on every run."""
    digest = hashlib.sha256(source_id.encode('utf-8') + b'\x00' + text.encode('utf-8'))
    return digest.hexdigest()[:_ID_HEX_CHARS]


def normalize_published(value: Optional[str]) -> Optional[str]:
    """An ISO 8601 time (with or without zone) as ISO 8601 in UTC; zone-less times are UTC.

    Raises:
      ValueError: the value is not a date or time.
    """
    if value is None:
        return None
    try:
        parsed = date_parser.isoparse(value)
    except (ValueError, OverflowError):
        # Not strict ISO 8601 ("Tue, 10 Sep 2019 08:00:00 GMT"): dateutil's general parser,
        # without defaults from today, so that a value with no date is rejected.
        parsed = date_parser.parse(value, default=datetime.datetime(1, 1, 1))
        if parsed.year == 1:
            raise ValueError(f'no date in {value!r}')
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.astimezone(datetime.timezone.utc).isoformat()


def to_article(raw: RawArticle) -> Article:
    """The Article for a RawArticle; raises ValueError for an unparseable ``published``."""
    return Article(
        article_id=article_id_of(raw.source_id, raw.text),
        source_id=raw.source_id,
        source_uri=raw.source_uri,
        source_name=raw.source_name,
        url=raw.url,
        title=raw.title,
        published_at=normalize_published(raw.published),
        text=raw.text,
        body=_CONTROL_CHARACTERS.sub(' ', raw.text).strip(),
        dateline_raw=None, dateline_city=None, dateline_region=None, dateline_country=None,
        dateline_timezone=None, dateline_date=None,
        agencies=(), attributions=(), editor_initials=(), boilerplate=(),
        decode_replaced=raw.decode_replaced,
        content_sha256=hashlib.sha256(raw.text.encode('utf-8')).hexdigest(),
    )
