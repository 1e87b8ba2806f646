"""Warehouse rows from pipeline records, in the column order of ``schemas.fields``.

This is the one place where ISO strings become dates and timestamps, and where
each row gets its Hive partition.  Rows are plain dicts: the shape that both
pyarrow (``Table.from_pylist``) and fastavro write.
"""
import datetime
from typing import Any, Dict, NamedTuple, Optional

from schemas.fields import ARTICLES, DEAD_LETTERS, ENTITIES, Table
from schemas.records import Article, DeadLetter, EntityMention


class RunContext(NamedTuple):
    """What every row of one run shares."""
    run_id: str
    ingested_at: str          # ISO 8601 UTC
    pipeline_version: str


class TableRow(NamedTuple):
    table: str
    partition: str            # Hive directory, e.g. 'article_date=2019-09-13'
    row: Dict[str, Any]


def _timestamp(value: Optional[str]) -> Optional[datetime.datetime]:
    return datetime.datetime.fromisoformat(value).astimezone(datetime.timezone.utc) if value else None


def _date(value: Optional[str]) -> Optional[datetime.date]:
    return datetime.date.fromisoformat(value) if value else None


def article_date(article: Article, context: RunContext) -> str:
    """The article's partition date: dateline date, else UTC publication date, else ingestion date."""
    if article.dateline_date:
        return article.dateline_date
    return (article.published_at or context.ingested_at)[:10]


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
        'ingested_at': _timestamp(context.ingested_at),
        'pipeline_version': context.pipeline_version,
    }
    return TableRow(ARTICLES.name, _partition(ARTICLES, article_date(article, context)), row)


def entity_row(mention: EntityMention, partition_date: str, context: RunContext) -> TableRow:
    row = {
        'entity_id': mention.entity_id,
        'article_id': mention.article_id,
        'text': mention.text,
        'label': mention.label,
        'canonical': mention.canonical,
        'start_char': mention.start_char,
        'end_char': mention.end_char,
        'sentence_index': mention.sentence_index,
        'ingested_at': _timestamp(context.ingested_at),
    }
    return TableRow(ENTITIES.name, _partition(ENTITIES, partition_date), row)


def dead_letter_row(dead: DeadLetter, context: RunContext) -> TableRow:
    row = {
        'source_uri': dead.source_uri,
        'source_id': dead.source_id,
        'stage': dead.stage,
        'error': dead.error,
        'raw_excerpt': dead.raw_excerpt,
        'ingested_at': _timestamp(context.ingested_at),
    }
    return TableRow(DEAD_LETTERS.name, _partition(DEAD_LETTERS, context.ingested_at[:10]), row)


def annotated_rows(annotated, context: RunContext):
    """The article row and its entity rows, all in the article's partition."""
    article = annotated.article
    partition_date = article_date(article, context)
    yield article_row(article, context)
    for mention in annotated.entities:
        yield entity_row(mention, partition_date, context)
