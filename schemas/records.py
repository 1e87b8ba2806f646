"""Typed elements that flow between newsbeam transforms.

Every PCollection element is one of these NamedTuples.  They are plain Python, so that
the Beam-free news logic (``transforms/core``) uses them too; ``schemas/coders.py``
registers them with Beam's RowCoder, so that they encode compactly and
deterministically (they can be used as keys).  Dates and timestamps travel as ISO 8601 strings: RowCoder has no
portable date type, and the conversion to Arrow/Avro logical types happens once,
in ``transforms/to_records.py``.  No spaCy object ever enters a PCollection.
"""
from typing import NamedTuple, Optional, Sequence


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
    duplicate_of: Optional[str] = None  # article_id of the first copy of a syndicated or re-sent story
    minhash: Optional[bytes] = None     # signature of the body, for near-duplicate detection
    dateline_geonames_id: Optional[int] = None   # GeoNames id of the dateline place
    dateline_latitude: Optional[float] = None    # WGS 84 degrees
    dateline_longitude: Optional[float] = None


class EntityMention(NamedTuple):
    article_id: str
    entity_id: str
    text: str
    label: str
    canonical: str
    start_char: int
    end_char: int
    sentence_index: int
    entity_key: Optional[str] = None  # 'phoenix:<ID>', 'geonames:<id>' or 'name:<normalised fullest name>'


class TimeExpression(NamedTuple):
    """A date expression in a body, resolved to an ISO 8601 value."""
    article_id: str
    text: str
    value: str                 # '2019-09-11', '2006-10', '1991', '2006-W50', '199', 'PRESENT_REF'
    granularity: str           # day, part_of_day, week, month, quarter, season, year, decade, century,
                               # duration, present, past, future
    start_char: int
    end_char: int
    sentence_index: int


class Event(NamedTuple):
    """One PLOVER event: who did what to whom, where and when, with its evidence."""
    event_id: str
    article_id: str
    event_type: str            # PLOVER 2021: AGREE, CONSULT, ... ASSAULT, SANCTION
    event_mode: Optional[str]  # e.g. CONSULT: visit, meet, phone
    quad_class: str            # verbal_cooperation, material_cooperation, verbal_conflict, material_conflict
    trigger: str               # as written
    trigger_lemma: str
    actor: Optional[str]
    actor_canonical: Optional[str]
    actor_country: Optional[str]     # ISO 3166-1 alpha-3
    target: Optional[str]
    target_canonical: Optional[str]
    target_country: Optional[str]
    location: Optional[str]
    location_country: Optional[str]
    event_date: Optional[str]        # ISO date, month or year, as resolved
    date_text: Optional[str]
    date_granularity: Optional[str]
    negated: bool
    sentence_index: int
    start_char: int                  # of the trigger, into body
    end_char: int
    evidence: str                    # the sentence
    actor_role: Optional[str] = None   # Phoenix/CAMEO role code (GOV, MIL, REB, ..., IGO, NGO)
    target_role: Optional[str] = None
    actor_key: Optional[str] = None          # as EntityMention.entity_key
    target_key: Optional[str] = None
    location_geonames_id: Optional[int] = None
    location_latitude: Optional[float] = None
    location_longitude: Optional[float] = None


class Quote(NamedTuple):
    """Reported speech with its speaker."""
    quote_id: str
    article_id: str
    speaker: Optional[str]
    speaker_canonical: Optional[str]
    quote: str
    verb: Optional[str]
    start_char: int                  # of the quoted text, into body
    end_char: int
    sentence_index: int
    speaker_key: Optional[str] = None        # as EntityMention.entity_key


class DeadLetter(NamedTuple):
    source_uri: str
    source_id: Optional[str]
    stage: str
    error: str
    raw_excerpt: str


class AnnotatedArticle(NamedTuple):
    """An article with everything extracted from it; each NLP stage fills its part."""
    article: Article
    entities: Sequence[EntityMention]
    sentence_starts: Sequence[int]   # character offsets into article.body
    time_expressions: Sequence[TimeExpression] = ()
    events: Sequence[Event] = ()
    quotes: Sequence[Quote] = ()


RECORDS = (RawArticle, Article, EntityMention, TimeExpression, Event, Quote, DeadLetter, AnnotatedArticle)
