"""The newsbeam batch graph.

read -> parse -> skip what earlier runs ingested -> datelines -> source tags ->
near-duplicates -> entities -> time expressions -> warehouse (Parquet + Avro, published as one run).
"""
from typing import NamedTuple, Sequence

import apache_beam as beam
from apache_beam import pvalue

from transforms.datelines import NormalizeDatelines
from transforms.dead_letter import dead_letter_key
from transforms.duplicates import DetectDuplicates, MarkDuplicates, with_signature
from transforms.entities import ExtractEntities
from transforms.ledger import ReadLedger, SkipIngested
from transforms.parse import ParseArticles
from transforms.read import ReadArticles
from transforms.source_tags import ExtractSourceTags
from transforms.time_expressions import ResolveTimeExpressions
from transforms.to_records import KIND_ARTICLE, RunContext, annotated_rows, dead_letter_rows
from transforms.write import WriteWarehouse


class Outputs(NamedTuple):
    """The PCollections of a built pipeline, for tests and callers that extend the graph."""
    annotated: pvalue.PCollection      # AnnotatedArticle
    dead_letters: pvalue.PCollection   # DeadLetter
    manifest: pvalue.PCollection       # one dict: the published run


def _article_key(article) -> str:
    return article.article_id


def _is_article_with_signature(row: dict) -> bool:
    return row['kind'] == KIND_ARTICLE and row['minhash'] is not None


def build_pipeline(p: beam.Pipeline, inputs: Sequence[str], output_dir: str, context: RunContext,
                   model: str, max_article_chars: int) -> Outputs:
    ledger = p | 'ReadLedger' >> ReadLedger(output_dir)
    read = p | 'ReadArticles' >> ReadArticles(inputs, max_article_chars)
    parsed = read.outputs | 'ParseArticles' >> ParseArticles()
    fresh = parsed.outputs | 'SkipIngestedArticles' >> SkipIngested(
        ledger, _article_key, 'articles_skipped')
    with_datelines = fresh | 'NormalizeDatelines' >> NormalizeDatelines()
    tagged = with_datelines.outputs | 'ExtractSourceTags' >> ExtractSourceTags()
    # Signatures of cleaned bodies: a shared footer must not make two stories look alike.
    signed = tagged.outputs | 'SignBodies' >> beam.Map(with_signature)
    earlier_articles = ledger | 'EarlierArticles' >> beam.Filter(_is_article_with_signature)
    verdicts = signed | 'DetectDuplicates' >> DetectDuplicates(earlier_articles)
    marked = signed | 'MarkDuplicates' >> MarkDuplicates(verdicts)
    entities = marked | 'ExtractEntities' >> ExtractEntities(model)
    timexes = entities.outputs | 'ResolveTimeExpressions' >> ResolveTimeExpressions()

    dead_letters = (
        (read.dead_letters, parsed.dead_letters, with_datelines.dead_letters, tagged.dead_letters,
         entities.dead_letters, timexes.dead_letters)
        | 'CollectDeadLetters' >> beam.Flatten()
        | 'SkipRecordedDeadLetters' >> SkipIngested(ledger, dead_letter_key, 'dead_letters_skipped'))
    rows = (
        (timexes.outputs | 'AnnotatedToRows' >> beam.FlatMap(annotated_rows, context),
         dead_letters | 'DeadLettersToRows' >> beam.FlatMap(dead_letter_rows, context))
        | 'CollectRows' >> beam.Flatten())
    manifest = rows | 'WriteWarehouse' >> WriteWarehouse(output_dir, context.run_id)
    return Outputs(timexes.outputs, dead_letters, manifest)
