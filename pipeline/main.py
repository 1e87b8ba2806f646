"""One ingestion run: parse the options, build the graph, run it, return the summary.

``pipeline/cli.py`` is the command line around it; tests and scripts call ``run(argv)`` directly.
"""
import contextlib
import datetime
import errno
import logging
import os
import secrets
import sys
import time
from typing import List, Optional, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, PrismRunnerOptions, StandardOptions

from pipeline.build import Sink, StreamingSettings, build_duplicate_pass, build_pipeline, build_streaming_pipeline
from pipeline.cli import version
from pipeline.failures import from_errno
from pipeline.options import DEFAULT_RUNNER, STREAMING_RUNNER, NewsPipelineOptions, catalog_config
from pipeline.progress import Progress
from transforms.core import files, publication
from transforms.core.errors import OutputError
from transforms.core.warehouse import LEDGER_TABLE, Warehouse
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.read import expand_inputs, file_size
from transforms.to_records import RunContext
from transforms.messages import ReadKafkaMessages, ReadPubSubMessages

_LOG = logging.getLogger('newsbeam')
# Runners whose batch jobs run on FnApiRunner in this machine.
_LOCAL_RUNNERS = ('FnApiRunner', 'DirectRunner')


def new_run_id(now: datetime.datetime) -> str:
    return f'{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}'


def _counters(result) -> dict:
    """newsbeam's counters, summed over steps; empty when the runner reports no metrics."""
    try:
        found = result.metrics().query(beam.metrics.MetricsFilter().with_namespace(METRICS_NAMESPACE))['counters']
    except (NotImplementedError, AttributeError, KeyError):
        return {}
    totals = {}
    for counter in found:
        value = counter.committed if counter.committed is not None else counter.attempted
        totals[counter.key.metric.name] = totals.get(counter.key.metric.name, 0) + (value or 0)
    return totals


def summarize(run_id: str, rows: dict, counters: dict, elapsed: float) -> dict:
    """The run summary: articles read = written + dead-lettered + skipped (ingested by an earlier run).

    Args:
      run_id: the run.
      rows: rows the run committed, per table.
      counters: newsbeam's metric counters.
      elapsed: wall time of the run in seconds.
    """
    summary = {
        'run_id': run_id,
        'articles_read': counters.get('articles_read'),
        'articles_written': rows.get('articles', 0),
        'dead_letters': rows.get('dead_letters', 0),
        'skipped': (counters.get('articles_skipped') or 0) + (counters.get('dead_letters_skipped') or 0),
        'near_duplicates': counters.get('near_duplicates') or 0,
        'rows': rows,
        'elapsed_seconds': round(elapsed, 2),
    }
    accounted = summary['articles_written'] + summary['dead_letters'] + summary['skipped']
    summary['balanced'] = summary['articles_read'] is None or summary['articles_read'] == accounted
    return summary


def format_summary(summary: dict) -> str:
    lines = [
        f"newsbeam run {summary['run_id']}",
        f"  articles read     {summary['articles_read']}",
        f"  articles written  {summary['articles_written']}",
        f"  dead letters      {summary['dead_letters']}",
        f"  already ingested  {summary['skipped']}   (skipped: an earlier run holds them)",
        f"  near-duplicates   {summary['near_duplicates']}   (written, with duplicate_of set)",
        '  balance           ' + ('read = written + dead letters + already ingested' if summary['balanced']
                                  else 'DOES NOT BALANCE: read != written + dead letters + already ingested'),
        '  rows per table    ' + ', '.join(f'{t}={n}' for t, n in summary['rows'].items()),
        f"  elapsed           {summary['elapsed_seconds']:.1f} s",
    ]
    return '\n'.join(lines)


def run(argv: Optional[Sequence[str]] = None, show_progress: bool = False) -> dict:
    """Runs one ingestion (batch, or streaming with --streaming) and returns its summary.

    Args:
      argv: the arguments after ``newsbeam`` (a leading 'run' is optional).
      show_progress: show the run's progress on stderr (``pipeline/progress.py``).

    Raises:
      NewsbeamError: a usage, output or warehouse problem, with the one line to say about it.
    """
    argv: List[str] = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ['run']:
        argv = argv[1:]
    options = PipelineOptions(argv)
    news = options.view_as(NewsPipelineOptions)
    standard = options.view_as(StandardOptions)
    news.validate_news_options(standard.streaming)
    if not standard.runner:
        standard.runner = STREAMING_RUNNER if standard.streaming else DEFAULT_RUNNER
    inputs = None if standard.streaming else expand_inputs(news.input, news.follow_links)
    check_output(news.output)

    started = datetime.datetime.now(datetime.timezone.utc)
    context = RunContext(run_id=news.run_id or new_run_id(started),
                         ingested_at=started.isoformat(), pipeline_version=version())
    progress = Progress(enabled=show_progress and _runs_locally(options))
    clock = time.monotonic()
    with publication.run_lock(news.output), contextlib.ExitStack() as services_for_run:
        warehouse = Warehouse(catalog_config(news))
        sink = prepare_warehouse(warehouse, news.output)
        publication.begin_run(news.output, context.run_id)
        if standard.streaming:
            pipeline = beam.Pipeline(options=options)
            _build_streaming(pipeline, options, news, sink, context, services_for_run)
            result = pipeline.run()
            if not _should_wait(options, news):
                return {'run_id': context.run_id, 'submitted': True}
            result.wait_until_finish()
        else:
            result = _run_batch(argv, options, news, inputs, sink, context, progress)
        publication.end_run(news.output, context.run_id)
        rows = warehouse.rows_of_run(context.run_id)
    return summarize(context.run_id, rows, _counters(result), time.monotonic() - clock)


def prepare_warehouse(warehouse: Warehouse, output: str) -> Sink:
    """Finishes or discards what killed runs left, makes sure every table exists with every column, and
    cross-checks the ledger against the tables; returns where this run writes.

    Raises:
      WarehouseDamagedError: the warehouse needs a person's attention first (the message says what).
    """
    for repair in publication.recover(warehouse, output):
        _LOG.warning('%s: %s', output, repair)
    tables = warehouse.ensure_tables()
    publication.check_consistency(warehouse)
    return Sink(warehouse.config, warehouse.targets(tables), tuple(warehouse.current_files(LEDGER_TABLE)))


def _run_batch(argv, options, news, inputs, sink: Sink, context, progress):
    """Pass 1 (near-duplicate verdicts, no NLP), then pass 2 (extract and write); returns pass 2's result."""
    verdicts = files.join(publication.staging_dir(news.output, context.run_id), 'duplicates.json')
    progress.phase('pass 1 of 2: reading the input and finding near-duplicates')
    first_pass = beam.Pipeline(options=first_pass_options(argv, news, inputs, sink.ledger))
    build_duplicate_pass(first_pass, inputs, sink.ledger, verdicts, news.max_article_chars)
    first = first_pass.run()
    first.wait_until_finish()
    total = _counters(first).get('articles_fresh')
    progress.phase(f'pass 2 of 2: extracting from {total:,} new articles' if total is not None
                   else 'pass 2 of 2: extracting')
    with progress.count_files() as counts:
        pipeline = beam.Pipeline(options=options)
        build_pipeline(pipeline, inputs, sink, context, news.model, news.max_article_chars, verdicts,
                       progress_dir=counts)
        with progress.articles(counts, total):
            result = pipeline.run()
            result.wait_until_finish()
    return result


def check_output(output: str) -> None:
    """Fails before anything runs when a local --output cannot hold a warehouse: a file, or not writable.

    Raises:
      OutputError: saying what and where.
    """
    if FileSystems.get_scheme(output) is not None:
        return
    if os.path.exists(output) and not os.path.isdir(output):
        raise OutputError(f'--output {output} is a file, not a warehouse directory')
    probe = os.path.join(output, f'.newsbeam-probe-{os.getpid()}')
    try:
        os.makedirs(output, exist_ok=True)
        with open(probe, 'w', encoding='ascii') as handle:
            handle.write('ok')
        os.remove(probe)
    except OSError as error:
        problem = from_errno(error.errno or errno.EIO, error.strerror or str(error), error.filename, output)
        raise problem or OutputError(f'cannot write the warehouse at {output}: {error}') from error


def first_pass_options(argv: Sequence[str], news: NewsPipelineOptions, inputs, ledger: Sequence[str]) -> PipelineOptions:
    """The options of batch pass 1: the run's own, or in this process when its input is small.

    Args:
      argv: the run's arguments.
      news: the run's options (the size limit).
      inputs: the run's expanded input files.
      ledger: the ledger's data files, which pass 1 reads too.
    """
    options = PipelineOptions(argv)
    if _at_most_bytes(list(inputs.paths) + list(ledger), news.in_process_first_pass_bytes):
        options.view_as(StandardOptions).runner = DEFAULT_RUNNER
        direct = options.view_as(DirectOptions)
        direct.direct_num_workers = 1
        direct.direct_running_mode = 'in_memory'
    return options


def _runs_locally(options: PipelineOptions) -> bool:
    """Whether the job's workers run on this machine (and so can reach the progress count files)."""
    return options.view_as(StandardOptions).runner in _LOCAL_RUNNERS


def _at_most_bytes(paths: Sequence[str], limit: int) -> bool:
    """Whether the files hold at most limit bytes (a positive limit); stops asking sizes past it."""
    if limit <= 0:
        return False
    total = 0
    for path in paths:
        total += file_size(path) or 0
        if total > limit:
            return False
    return True


def _build_streaming(pipeline, options, news, sink, context, services_for_run):
    """Adds the streaming graph: a message source, then build_streaming_pipeline."""
    if news.kafka_topic:
        expansion_service = news.kafka_expansion_service
        if not expansion_service:
            from pipeline import services  # pylint: disable=import-outside-toplevel
            try:
                expansion_service = services_for_run.enter_context(services.kafka_expansion_service())
            except services.MissingTool as error:
                raise services.MissingTool(f'{error}; or pass --kafka-expansion-service HOST:PORT of a running '
                                           'one') from error
        source = ReadKafkaMessages(news.kafka_bootstrap, news.kafka_topic, expansion_service, news.kafka_group_id,
                                   news.kafka_offset_reset, news.kafka_max_records)
    else:
        source = ReadPubSubMessages(news.pubsub_subscription)
    if options.view_as(StandardOptions).runner == STREAMING_RUNNER and not options.view_as(
            PrismRunnerOptions).prism_location:
        from pipeline import components  # pylint: disable=import-outside-toplevel
        options.view_as(PrismRunnerOptions).prism_location = components.prism_binary()
    messages = pipeline | 'ReadMessages' >> source
    settings = StreamingSettings(news.window_seconds, news.allowed_lateness_seconds, news.num_shards)
    build_streaming_pipeline(messages, sink, context, news.model, news.max_article_chars, settings)


def _should_wait(options, news) -> bool:
    """A batch run, a bounded stream, or a local runner: wait; an endless stream on a service: return."""
    if not options.view_as(StandardOptions).streaming or news.kafka_max_records:
        return True
    return options.view_as(StandardOptions).runner not in ('DataflowRunner', 'dataflow')


