"""Typed elements that flow between newsbeam transforms.

Every PCollection element is one of these NamedTuples, registered with Beam's
RowCoder so that they encode compactly and deterministically (they can be used
as keys).  Dates and timestamps travel as ISO 8601 strings: RowCoder has no
portable date type, and the conversion to Arrow/Avro logical types happens once,
in ``transforms/to_records.py``.  No spaCy object ever enters a PCollection.
"""
from typing import NamedTuple, Optional, Sequence

from apache_beam import coders


class RawArticle(NamedTuple):
    """One article as read from the input, before any normalisation."""
    source_uri: str            # file path, plus '#L<n>' for a JSONL line
    source_id: str             # the input's own id: JSONL "id" or the file name
    text: str
    title: Optional[str]
    published: Optional[str]   # as given in the input (ISO 8601, zone optional)
    url: Optional[str]
    source_name: Optional[str]
    decode_replaced: bool      # bytes that were not UTF-8 were replaced


class Article(NamedTuple):
    """An article as it moves through normalisation; fields fill in stage by stage."""
    article_id: str
    source_id: str
    source_uri: str
    source_name: Optional[str]
    url: Optional[str]
    title: Optional[str]
    published_at: Optional[str]        # ISO 8601 in UTC, e.g. '2019-09-13T08:00:00+00:00'
    text: str                          # the article as read, never modified
    body: str                          # text minus dateline, sign-offs and boilerplate
    dateline_raw: Optional[str]
    dateline_city: Optional[str]
    dateline_region: Optional[str]
    dateline_country: Optional[str]    # ISO 3166-1 alpha-3
    dateline_timezone: Optional[str]   # IANA name
    dateline_date: Optional[str]       # ISO date
    agencies: Sequence[str]
    attributions: Sequence[str]
    editor_initials: Sequence[str]
    boilerplate: Sequence[str]         # scraped footers removed from the body
    decode_replaced: bool
    content_sha256: str


class EntityMention(NamedTuple):
    article_id: str
    entity_id: str
    text: str
    label: str
    canonical: str
    start_char: int
    end_char: int
    sentence_index: int


class DeadLetter(NamedTuple):
    source_uri: str
    source_id: Optional[str]
    stage: str
    error: str
    raw_excerpt: str


for _record in (RawArticle, Article, EntityMention, DeadLetter):
    coders.registry.register_coder(_record, coders.RowCoder)
