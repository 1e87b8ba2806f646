"""The newsbeam batch graph: read -> parse -> datelines -> source tags -> entities -> warehouse."""
from typing import NamedTuple, Sequence

import apache_beam as beam
from apache_beam import pvalue

from transforms.datelines import NormalizeDatelines
from transforms.entities import ExtractEntities
from transforms.parse import ParseArticles
from transforms.read import ReadArticles
from transforms.source_tags import ExtractSourceTags
from transforms.to_records import RunContext, annotated_rows, dead_letter_row
from transforms.write import WriteWarehouse


class Outputs(NamedTuple):
    """The PCollections of a built pipeline, for tests and callers that extend the graph."""
    annotated: pvalue.PCollection      # AnnotatedArticle
    dead_letters: pvalue.PCollection   # DeadLetter
    manifest: pvalue.PCollection       # one dict: the published run


def build_pipeline(p: beam.Pipeline, inputs: Sequence[str], output_dir: str, context: RunContext,
                   model: str, max_article_chars: int) -> Outputs:
    read = p | 'ReadArticles' >> ReadArticles(inputs, max_article_chars)
    parsed = read.outputs | 'ParseArticles' >> ParseArticles()
    with_datelines = parsed.outputs | 'NormalizeDatelines' >> NormalizeDatelines()
    tagged = with_datelines.outputs | 'ExtractSourceTags' >> ExtractSourceTags()
    entities = tagged.outputs | 'ExtractEntities' >> ExtractEntities(model)

    dead_letters = (
        (read.dead_letters, parsed.dead_letters, with_datelines.dead_letters, tagged.dead_letters,
         entities.dead_letters)
        | 'CollectDeadLetters' >> beam.Flatten())
    rows = (
        (entities.outputs | 'AnnotatedToRows' >> beam.FlatMap(annotated_rows, context),
         dead_letters | 'DeadLettersToRows' >> beam.Map(dead_letter_row, context))
        | 'CollectRows' >> beam.Flatten())
    manifest = rows | 'WriteWarehouse' >> WriteWarehouse(output_dir, context.run_id)
    return Outputs(entities.outputs, dead_letters, manifest)
