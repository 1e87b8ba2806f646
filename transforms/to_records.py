"""Warehouse rows from pipeline records, in the column order of ``schemas.fields``.

This is the one place where ISO strings become dates and timestamps, and where
each row gets its partition.  Rows are plain dicts: the shape that both
pyarrow (``Table.from_pylist``) and fastavro write.
"""
import datetime
from typing import Any, Dict, NamedTuple, Optional, Tuple

from schemas.fields import ARTICLES, DEAD_LETTERS, ENTITIES, EVENTS, LEDGER, QUOTES, TIME_EXPRESSIONS, Table
from schemas.records import AnnotatedArticle, Article, DeadLetter
from transforms.core.dead_letters import dead_letter_key
from transforms.core.timex import start_date

KIND_ARTICLE = 'article'
KIND_DEAD_LETTER = 'dead_letter'


class RunContext(NamedTuple):
    """What every row of one run shares."""
    run_id: str
    ingested_at: str          # ISO 8601 UTC
    pipeline_version: str


class TableRow(NamedTuple):
    table: str
    partition: str            # the partition's folder, e.g. 'article_date=2019-09-13'
    row: Dict[str, Any]


def _timestamp(value: Optional[str]) -> Optional[datetime.datetime]:
    return datetime.datetime.fromisoformat(value).astimezone(datetime.timezone.utc) if value else None


def _date(value: Optional[str]) -> Optional[datetime.date]:
    return datetime.date.fromisoformat(value) if value else None


DATELINE, PUBLISHED, INGESTED = 'dateline', 'published', 'ingested'


def article_date(article: Article, context: RunContext) -> Tuple[str, str]:
    """(the article's partition date, where it comes from): the dateline date, else the UTC publication
    date, else the date of ingestion."""
    if article.dateline_date:
        return article.dateline_date, DATELINE
    if article.published_at:
        return article.published_at[:10], PUBLISHED
    return context.ingested_at[:10], INGESTED


def _partition(table: Table, value: str) -> str:
    return f'{table.partition_column}={value}'


def article_row(article: Article, context: RunContext) -> TableRow:
    row = {
        'article_id': article.article_id,
        'source_id': article.source_id,
        'source_uri': article.source_uri,
        'source_name': article.source_name,
        'url': article.url,
        'title': article.title,
        'published_at': _timestamp(article.published_at),
        'dateline_raw': article.dateline_raw,
        'dateline_city': article.dateline_city,
        'dateline_region': article.dateline_region,
        'dateline_country': article.dateline_country,
        'dateline_timezone': article.dateline_timezone,
        'dateline_date': _date(article.dateline_date),
        'agencies': list(article.agencies),
        'attributions': list(article.attributions),
        'editor_initials': list(article.editor_initials),
        'boilerplate': list(article.boilerplate),
        'body': article.body,
        'word_count': len(article.body.split()),
        'content_sha256': article.content_sha256,
        'decode_replaced': article.decode_replaced,
        'duplicate_of': article.duplicate_of,
        'ingested_at': _timestamp(context.ingested_at),
        'pipeline_version': context.pipeline_version,
    }
    date, source = article_date(article, context)
    row['article_date'] = _date(date)
    row['article_date_source'] = source
    row['dateline_geonames_id'] = article.dateline_geonames_id
    row['dateline_latitude'] = article.dateline_latitude
    row['dateline_longitude'] = article.dateline_longitude
    return TableRow(ARTICLES.name, _partition(ARTICLES, date), row)


def _child_row(table: Table, record, partition_date: str, context: RunContext) -> TableRow:
    """A row of a table whose columns are the record's fields plus ingested_at and the partition date."""
    row = record._asdict()
    row['ingested_at'] = _timestamp(context.ingested_at)
    row[table.partition_column] = _date(partition_date)
    if table is EVENTS:
        # The record carries the TIMEX3 value; the table has it beside the date it starts on.
        row['event_date_value'] = row['event_date']
        row['event_date'] = start_date(row['event_date'])
    return TableRow(table.name, _partition(table, partition_date), {name: row[name] for name in table.column_names})


def _ledger_row(key, kind, source_id, source_uri, content_sha256, minhash, context: RunContext) -> TableRow:
    row = {'key': key, 'kind': kind, 'source_id': source_id, 'source_uri': source_uri,
           'content_sha256': content_sha256, 'minhash': minhash, 'run_id': context.run_id,
           'ingested_at': _timestamp(context.ingested_at), 'ingest_date': _date(context.ingested_at[:10])}
    return TableRow(LEDGER.name, _partition(LEDGER, context.ingested_at[:10]), row)


def dead_letter_rows(dead: DeadLetter, context: RunContext):
    """The dead letter's row and its ledger row."""
    yield dead_letter_row(dead, context)
    yield _ledger_row(dead_letter_key(dead), KIND_DEAD_LETTER, dead.source_id, dead.source_uri, None, None, context)


def dead_letter_row(dead: DeadLetter, context: RunContext) -> TableRow:
    return _child_row(DEAD_LETTERS, dead, context.ingested_at[:10], context)


_CHILD_TABLES = ((ENTITIES, 'entities'), (TIME_EXPRESSIONS, 'time_expressions'), (EVENTS, 'events'),
                 (QUOTES, 'quotes'))


def annotated_rows(annotated: AnnotatedArticle, context: RunContext):
    """The article row, the rows extracted from it (all in the article's partition) and its ledger row."""
    article = annotated.article
    partition_date, _ = article_date(article, context)
    yield article_row(article, context)
    yield _ledger_row(article.article_id, KIND_ARTICLE, article.source_id, article.source_uri,
                      article.content_sha256, article.minhash, context)
    for table, field in _CHILD_TABLES:
        for record in getattr(annotated, field):
            yield _child_row(table, record, partition_date, context)
