"""The newsbeam graphs, batch and streaming, around one shared extraction chain.

Batch:     pass 1: files -> read -> parse -> skip what earlier runs ingested ->
           CLEAN -> sign -> near-duplicate verdicts (a small file);
           pass 2: files -> read -> parse -> skip ... -> EXTRACT (marking the copies)
           -> Iceberg data files + Avro, committed as one run.  Pass 2 is one fused
           stage from reading to writing, so articles stream through and are never
           all in memory.
Streaming: Kafka / Pub/Sub / any PCollection[Message] -> parse -> skip what earlier
           runs ingested -> drop re-deliveries -> event time -> fixed windows ->
           EXTRACT -> Iceberg data files + Avro, committed per window pane.
CLEAN:     datelines -> source tags.
EXTRACT:   CLEAN -> sign -> entities -> time expressions -> events -> quotes.
"""
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection
from apache_beam.transforms import trigger, window

from schemas.records import AnnotatedArticle, Article, DeadLetter

from transforms.datelines import NormalizeDatelines
from transforms.dead_letter import METRICS_NAMESPACE, dead_letter_key
from transforms.core.duplicates import with_signature
from transforms.duplicates import DetectDuplicates, DropRedeliveries, MarkDuplicates, WriteVerdicts
from transforms.entities import ExtractEntities
from transforms.events import ExtractEvents
from transforms.core.warehouse import CatalogConfig, TableTarget
from transforms.ledger import ReadLedger, SkipIngested
from transforms.messages import ParseMessages
from transforms.parse import ParseArticles
from transforms.quotes import ExtractQuotes
from transforms.progress import ReportProgress
from transforms.read import Inputs, ReadArticles
from transforms.source_tags import ExtractSourceTags
from transforms.time_expressions import ResolveTimeExpressions
from transforms.to_records import KIND_ARTICLE, RunContext, annotated_rows, dead_letter_rows
from transforms.write import WriteWarehouse, WriteWindowedWarehouse


class Outputs(NamedTuple):
    """The PCollections of a built pipeline, for tests and callers that extend the graph."""
    annotated: PCollection[AnnotatedArticle]
    dead_letters: PCollection[DeadLetter]
    commits: PCollection[dict]         # the committed run (batch) or window pane (streaming)


class Sink(NamedTuple):
    """Where a run writes: the warehouse's catalog, its tables, and the ledger of earlier runs."""
    config: CatalogConfig
    targets: Dict[str, TableTarget]
    ledger: Tuple[str, ...]            # the ledger's data files when the run starts


class StreamingSettings(NamedTuple):
    window_seconds: int = 60
    # How far behind the watermark a message may arrive and still reach its window (as a further commit).
    allowed_lateness_seconds: int = 3600
    num_shards: int = 1


def _counted(element, counter):
    counter.inc()
    return element


def _article_key(article) -> str:
    return article.article_id


def _is_article_with_signature(row: dict) -> bool:
    return row['kind'] == KIND_ARTICLE and row['minhash'] is not None


def clean(articles: PCollection[Article]) -> Tuple[PCollection[Article], List[PCollection[DeadLetter]]]:
    """Articles -> (signed Articles with dateline and source tags, [dead-letter PCollections])."""
    with_datelines = articles | 'NormalizeDatelines' >> NormalizeDatelines()
    tagged = with_datelines.outputs | 'ExtractSourceTags' >> ExtractSourceTags()
    # Signatures of cleaned bodies: a shared footer must not make two stories look alike.
    signed = tagged.outputs | 'SignBodies' >> beam.Map(with_signature)
    return signed, [with_datelines.dead_letters, tagged.dead_letters]


def extract(articles: PCollection[Article], model: str, before_nlp: Optional[Callable] = None
            ) -> Tuple[PCollection[AnnotatedArticle], List[PCollection[DeadLetter]]]:
    """The shared chain: Articles -> (AnnotatedArticles, [dead-letter PCollections of each stage]).

    Args:
      articles: PCollection[Article] as the parse stage makes them.
      model: spaCy pipeline package.
      before_nlp: optional step on the cleaned, signed articles just before NER.
    """
    signed, dead = clean(articles)
    ready = before_nlp(signed) if before_nlp else signed
    entities = ready | 'ExtractEntities' >> ExtractEntities(model)
    timexes = entities.outputs | 'ResolveTimeExpressions' >> ResolveTimeExpressions()
    events = timexes.outputs | 'ExtractEvents' >> ExtractEvents(model)
    quotes = events.outputs | 'ExtractQuotes' >> ExtractQuotes()
    stages = [entities, timexes, events, quotes]
    return quotes.outputs, dead + [stage.dead_letters for stage in stages]


def _rows(annotated, dead_letters: List, ledger: Sequence[str], context: RunContext):
    """(all dead letters not recorded by an earlier run, (article rows, dead-letter rows)).

    The two kinds of rows stay apart, each for a writer of its own: see WriteWarehouse.
    """
    dead = (dead_letters
            | 'CollectDeadLetters' >> beam.Flatten()
            | 'SkipRecordedDeadLetters' >> SkipIngested(ledger, dead_letter_key, 'dead_letters_skipped'))
    rows = (annotated | 'AnnotatedToRows' >> beam.FlatMap(annotated_rows, context),
            dead | 'DeadLettersToRows' >> beam.FlatMap(dead_letter_rows, context))
    return dead, rows


def _fresh_articles(p: beam.Pipeline, inputs: Inputs, ledger: Sequence[str], max_article_chars: int):
    """(articles that no earlier run ingested, read stage, parse stage)."""
    read = p | 'ReadArticles' >> ReadArticles(inputs, max_article_chars)
    parsed = read.outputs | 'ParseArticles' >> ParseArticles()
    fresh = parsed.outputs | 'SkipIngestedArticles' >> SkipIngested(ledger, _article_key, 'articles_skipped')
    return fresh, read, parsed


def build_duplicate_pass(p: beam.Pipeline, inputs: Inputs, ledger: Sequence[str], verdicts_path: str,
                         max_article_chars: int) -> PCollection[str]:
    """Batch pass 1: the near-duplicate verdicts of this run's new articles, written to ``verdicts_path``.

    It also counts the new articles (counter ``articles_fresh``): the total that pass 2's progress shows.

    Args:
      ledger: the data files of the ledger of earlier runs.
    """
    fresh, _, _ = _fresh_articles(p, inputs, ledger, max_article_chars)
    signed, _ = clean(fresh | 'CountFresh' >> beam.Map(_counted, Metrics.counter(METRICS_NAMESPACE, 'articles_fresh')))
    earlier = (p
               | 'ReadLedger' >> ReadLedger(ledger)
               | 'EarlierArticles' >> beam.Filter(_is_article_with_signature))
    return (signed
            | 'DetectDuplicates' >> DetectDuplicates(earlier)
            | 'WriteVerdicts' >> WriteVerdicts(verdicts_path))


def build_pipeline(p: beam.Pipeline, inputs: Inputs, sink: Sink, context: RunContext,
                   model: str, max_article_chars: int, verdicts_path: str,
                   progress_dir: Optional[str] = None) -> Outputs:
    """Batch pass 2, the main one: files -> warehouse, marking the copies pass 1 found.

    ``progress_dir``: where the workers count the articles done (``ReportProgress``), or None.
    """
    ledger = sink.ledger
    fresh, read, parsed = _fresh_articles(p, inputs, ledger, max_article_chars)

    def mark_near_duplicates(signed):
        return signed | 'MarkDuplicates' >> MarkDuplicates(verdicts_path)

    annotated, stage_dead = extract(fresh, model, mark_near_duplicates)
    annotated = annotated | 'ReportProgress' >> ReportProgress(progress_dir)
    dead, rows = _rows(annotated, [read.dead_letters, parsed.dead_letters] + stage_dead, ledger, context)
    commits = rows | 'WriteWarehouse' >> WriteWarehouse(sink.config, sink.targets, context.run_id)
    return Outputs(annotated, dead, commits)


def build_streaming_pipeline(messages, sink: Sink, context: RunContext, model: str,
                             max_article_chars: int, settings: StreamingSettings = StreamingSettings()) -> Outputs:
    """The streaming graph over a PCollection[Message] timestamped with message times.

    Windows are of arrival (message) time: each window pane is one commit of the warehouse, so a
    window is how often new articles become visible.  An article's own dates (dateline, published)
    are in its columns and decide its partition; they do not move it to another commit.
    """
    ledger = sink.ledger
    raw = messages | 'ParseMessages' >> ParseMessages(max_article_chars)
    parsed = raw.outputs | 'ParseArticles' >> ParseArticles()
    fresh = (parsed.outputs
             | 'SkipIngestedArticles' >> SkipIngested(ledger, _article_key, 'articles_skipped')
             | 'DropRedeliveries' >> DropRedeliveries())

    def windowed(pcoll, label):
        return pcoll | label >> beam.WindowInto(
            window.FixedWindows(settings.window_seconds),
            # A message behind the watermark (a slow partition) reaches its window as a further pane: a
            # further commit.  Batching those (a count or a processing-time delay) would commit less often,
            # but the DirectRunner that runs the TestStream tests fails on both triggers in Beam 2.70.
            trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
            allowed_lateness=settings.allowed_lateness_seconds,
            accumulation_mode=trigger.AccumulationMode.DISCARDING)

    articles = windowed(fresh, 'WindowArticles')
    annotated, stage_dead = extract(articles, model)
    early_dead = windowed((raw.dead_letters, parsed.dead_letters) | 'EarlyDeadLetters' >> beam.Flatten(),
                          'WindowDeadLetters')
    dead, rows = _rows(annotated, [early_dead] + stage_dead, ledger, context)
    commits = rows | 'WriteWarehouse' >> WriteWindowedWarehouse(sink.config, sink.targets, context.run_id,
                                                                settings.num_shards)
    return Outputs(annotated, dead, commits)
