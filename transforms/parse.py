"""Turn a RawArticle into an Article: stable id, content hash, UTC publication time.

``ParseArticles`` is the first normalisation stage.  Later stages (datelines,
source tags) refine ``body`` and fill the dateline and tag fields.
"""
import datetime
import hashlib
import re
from typing import Optional

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics
from dateutil import parser as date_parser

from schemas.records import Article, DeadLetter, RawArticle
from transforms.dead_letter import DEAD_LETTER, METRICS_NAMESPACE, ParDoWithDeadLetters, excerpt

STAGE = 'parse'
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


class _ParseFn(beam.DoFn):
    def __init__(self):
        self._bad = Metrics.counter(METRICS_NAMESPACE, 'dead_letter_parse')

    def process(self, raw: RawArticle):
        try:
            yield to_article(raw)
        except (ValueError, OverflowError) as error:
            # A wrong publication time would misplace the article in time and partition:
            # better to hold it back with the reason than to guess.
            self._bad.inc()
            yield pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                raw.source_uri, raw.source_id, STAGE, f'"published" is not a date: {error}', excerpt(raw.text)))


class ParseArticles(beam.PTransform):
    """PCollection[RawArticle] -> StageResult(outputs: PCollection[Article], dead_letters)."""

    def expand(self, raw_articles):
        return raw_articles | 'ToArticle' >> ParDoWithDeadLetters(_ParseFn(), STAGE)
