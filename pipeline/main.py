"""``newsbeam`` console entry point: parse options, build the graph, run it, print the summary."""
import argparse
import contextlib
import datetime
import fcntl
import logging
import os
import secrets
import sys
import tempfile
import time
from importlib import metadata
from typing import List, Optional, Sequence

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions, PrismRunnerOptions, StandardOptions

from pipeline.build import StreamingSettings, build_duplicate_pass, build_pipeline, build_streaming_pipeline
from pipeline.options import DEFAULT_RUNNER, STREAMING_RUNNER, NewsPipelineOptions
from pipeline.warm_workers import WarmWorkerRunner, WarmWorkers, pidfds_supported
from transforms.dead_letter import METRICS_NAMESPACE
from transforms.ledger import ledger_files
from transforms.read import expand_patterns, file_size
from transforms.to_records import RunContext
from transforms.messages import ReadKafkaMessages, ReadPubSubMessages
from transforms.write import RUNS_DIR, read_run_manifests, recover_unfinished_runs, staging_root

_LOG = logging.getLogger('newsbeam')
# Runners whose batch jobs run on FnApiRunner in this machine.
_LOCAL_RUNNERS = ('FnApiRunner', 'DirectRunner')
DISTRIBUTION = 'newsbeam'


def pipeline_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return '0+unknown'


def new_run_id(now: datetime.datetime) -> str:
    return f'{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}'


def _help_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='newsbeam run',
        description='Ingest news articles into a Parquet + Avro warehouse. Standard Apache Beam options '
                    '(--runner, --direct_num_workers, --direct_running_mode, --temp_location, ...) pass through '
                    f'to Beam; the default runner is {DEFAULT_RUNNER} (local, offline).')
    NewsPipelineOptions._add_argparse_args(parser)  # pylint: disable=protected-access
    return parser


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


def summarize(manifests: List[dict], counters: dict, elapsed: float) -> dict:
    """The run summary: articles read = written + dead-lettered + skipped (ingested by an earlier run).

    Args:
      manifests: the run's manifest (batch) or its window panes' manifests (streaming).
      counters: newsbeam's metric counters.
      elapsed: wall time of the run in seconds.
    """
    rows = {}
    for manifest in manifests:
        for table, count in manifest['rows'].items():
            rows[table] = rows.get(table, 0) + count
    summary = {
        'run_id': manifests[0]['run_id'] if manifests else None,
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


def run(argv: Optional[Sequence[str]] = None) -> dict:
    """Runs one ingestion (batch, or streaming with --streaming) and returns its summary.

    Args:
      argv: the arguments after ``newsbeam`` (a leading 'run' is optional).
    """
    argv: List[str] = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ['run']:
        argv = argv[1:]
    if any(a in ('-h', '--help') for a in argv):
        _help_parser().print_help()
        return {}
    options = PipelineOptions(argv)
    news = options.view_as(NewsPipelineOptions)
    standard = options.view_as(StandardOptions)
    news.validate_news_options(standard.streaming)
    if not standard.runner:
        standard.runner = STREAMING_RUNNER if standard.streaming else DEFAULT_RUNNER

    started = datetime.datetime.now(datetime.timezone.utc)
    context = RunContext(run_id=news.run_id or new_run_id(started),
                         ingested_at=started.isoformat(), pipeline_version=pipeline_version())
    clock = time.monotonic()
    with exclusive_run(news.output), contextlib.ExitStack() as services_for_run:
        for repair in recover_unfinished_runs(news.output):
            _LOG.warning('%s: %s', news.output, repair)
        if standard.streaming:
            pipeline = beam.Pipeline(options=options)
            _build_streaming(pipeline, options, news, context, services_for_run)
        else:
            # Local worker processes fork from a parent that warms up while pass 1 starts here.
            warm = (services_for_run.enter_context(WarmWorkers(news.model))
                    if _forks_warm_workers(options, news) else None)
            verdicts = FileSystems.join(staging_root(news.output, context.run_id), 'duplicates.json')
            first_options = first_pass_options(argv, news)
            worker_command = warm.command if warm else None
            # Local worker processes claim read ranges from a queue instead of a split made once.
            queue = (services_for_run.enter_context(tempfile.TemporaryDirectory(prefix='newsbeam-queue-'))
                     if _local_worker_processes(options) else None)
            first_pass = beam.Pipeline(runner=_runner(first_options, worker_command), options=first_options)
            build_duplicate_pass(first_pass, news.input, news.output, verdicts, news.max_article_chars,
                                 queue if _local_worker_processes(first_options) else None)
            first_pass.run().wait_until_finish()
            pipeline = beam.Pipeline(runner=_runner(options, worker_command), options=options)
            build_pipeline(pipeline, news.input, news.output, context, news.model, news.max_article_chars, verdicts,
                           queue)
        result = pipeline.run()
        if _should_wait(options, news):
            result.wait_until_finish()
        else:
            _LOG.warning('streaming job submitted (%s); it runs until drained or cancelled', standard.runner)
            return {'run_id': context.run_id, 'submitted': True}
    return summarize(read_run_manifests(news.output, context.run_id), _counters(result), time.monotonic() - clock)


def first_pass_options(argv: Sequence[str], news: NewsPipelineOptions) -> PipelineOptions:
    """The options of batch pass 1: the run's own, or in this process when its input is small.

    Args:
      argv: the run's arguments.
      news: the run's options: inputs, warehouse (whose ledger pass 1 reads) and the size limit.
    """
    options = PipelineOptions(argv)
    if _at_most_bytes(expand_patterns(news.input) + ledger_files(news.output), news.in_process_first_pass_bytes):
        options.view_as(StandardOptions).runner = DEFAULT_RUNNER
        direct = options.view_as(DirectOptions)
        direct.direct_num_workers = 1
        direct.direct_running_mode = 'in_memory'
    return options


def _local_worker_processes(options: PipelineOptions) -> bool:
    """Whether a job with these options runs on several SDK worker processes of the local runner."""
    direct = options.view_as(DirectOptions)
    return (options.view_as(StandardOptions).runner in _LOCAL_RUNNERS
            and direct.direct_running_mode == 'multi_processing' and direct.direct_num_workers != 1)


def _forks_warm_workers(options: PipelineOptions, news: NewsPipelineOptions) -> bool:
    return _local_worker_processes(options) and not news.cold_worker_processes and pidfds_supported()


def _runner(options: PipelineOptions, worker_command: Optional[str]):
    """A batch job's runner: None (the options name it) unless it runs on local worker processes that
    ``worker_command`` (``WarmWorkers.command``) forks."""
    return WarmWorkerRunner(worker_command) if worker_command and _local_worker_processes(options) else None


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


def _build_streaming(pipeline, options, news, context, services_for_run):
    """Adds the streaming graph: a message source, then build_streaming_pipeline."""
    if news.kafka_topic:
        expansion_service = news.kafka_expansion_service
        if not expansion_service:
            from pipeline import services  # pylint: disable=import-outside-toplevel
            expansion_service = services_for_run.enter_context(services.kafka_expansion_service())
        source = ReadKafkaMessages(news.kafka_bootstrap, news.kafka_topic, expansion_service, news.kafka_group_id,
                                   news.kafka_offset_reset, news.kafka_max_records)
    else:
        source = ReadPubSubMessages(news.pubsub_subscription)
    if options.view_as(StandardOptions).runner == STREAMING_RUNNER and not options.view_as(
            PrismRunnerOptions).prism_location:
        from pipeline import services  # pylint: disable=import-outside-toplevel
        options.view_as(PrismRunnerOptions).prism_location = services.prism_binary()
    messages = pipeline | 'ReadMessages' >> source
    settings = StreamingSettings(news.window_seconds, news.allowed_lateness_seconds, news.num_shards)
    build_streaming_pipeline(messages, news.output, context, news.model, news.max_article_chars, settings)


def _should_wait(options, news) -> bool:
    """A batch run, a bounded stream, or a local runner: wait; an endless stream on a service: return."""
    if not options.view_as(StandardOptions).streaming or news.kafka_max_records:
        return True
    return options.view_as(StandardOptions).runner not in ('DataflowRunner', 'dataflow')


@contextlib.contextmanager
def exclusive_run(output_dir: str):
    """Holds an exclusive lock on a local warehouse for the whole run.

    Two runs into one warehouse would ingest the same articles twice and each would take
    the other's staging files for leftovers.  ``flock`` is released by the kernel when the
    process dies, even by ``kill -9``, so a crashed run never leaves a stale lock.  Object
    stores (gs://, s3://) have no such lock: schedule one run at a time there.
    """
    if FileSystems.get_scheme(output_dir) is not None:
        yield
        return
    os.makedirs(os.path.join(output_dir, RUNS_DIR), exist_ok=True)
    with open(os.path.join(output_dir, RUNS_DIR, '.lock'), 'w', encoding='utf-8') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ValueError(f'another newsbeam run is writing to {output_dir}') from error
        yield


class _QuietBeamTagWarning(logging.Filter):
    """Drops Beam's warning that with_exception_handling's own 'bad' tag hides our dead-letter tag."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith('Tags {')


def configure_logging() -> None:
    """Warnings from everyone, progress from newsbeam, without Beam's noise about our tags."""
    logging.basicConfig(level=logging.WARNING, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    for handler in logging.getLogger().handlers:
        handler.addFilter(_QuietBeamTagWarning())
    _LOG.setLevel(logging.INFO)


def main(argv: Optional[Sequence[str]] = None) -> int:
    configure_logging()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ('run', '-h', '--help'):
        print('usage: newsbeam run --input GLOB [--input GLOB ...] --output DIR [options]\n'
              '       newsbeam run --help', file=sys.stderr)
        return 2
    try:
        summary = run(argv)
    except ValueError as error:
        print(f'newsbeam: error: {error}', file=sys.stderr)
        return 2
    if summary:
        print(format_summary(summary))
        if not summary['balanced']:
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
