"""Measures the streaming pipeline on a local Kafka: throughput on a backlog, publish-to-visible latency.

Starts a KRaft broker and the Kafka expansion service (and a Flink job server for --runner flink)
with tests/services.py and pipeline/services.py, then runs ``newsbeam run --streaming`` twice, as a subprocess:

1. throughput: ``--articles`` articles are published first; a bounded read (--kafka-max-records)
   ingests them; articles/s = articles / wall time of the run (JVM, runner and model start-up
   included), and / the span from the first to the last commit of articles.
2. latency: an unbounded read; articles are published at ``--rate`` per second, each stamped with
   the time the broker acknowledged it; an article is visible when the warehouse commit holding it
   appears in the catalog (a reader's view).  Publishing goes on for a few windows after the
   measured articles so the watermark passes their windows; then the run is killed.  Latency
   includes the rest of the article's window.

Prints one JSON object: the figures and the exact commands.

usage: python scripts/measure_streaming.py [--runner prism|flink] [--articles 1000] [--rate 20]
                                           [--measured 200] [--window-seconds 5]
"""
import argparse
import contextlib
import datetime
import json
import os
import pathlib
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pyarrow.parquet as pq
from pyiceberg.catalog.sql import SqlCatalog

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import components  # noqa: E402  pylint: disable=wrong-import-position
from pipeline.services import kafka_expansion_service  # noqa: E402  pylint: disable=wrong-import-position
from tests import services  # noqa: E402  pylint: disable=wrong-import-position
from tests.runners import streaming_corpus as corpus  # noqa: E402  pylint: disable=wrong-import-position

# Flink (Beam 2.70 job server, Flink 1.19) runs a bounded Kafka read as it is, but emits nothing
# from an unbounded one without checkpointing (--experiments=use_deprecated_read alone does not
# help); with checkpointing a bounded read never finishes.  So: checkpoints for unbounded reads only.
FLINK_UNBOUNDED_FLAGS = ['--checkpointing_interval=5000']


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _committed_source_ids(output: str, seen_snapshots: set) -> list:
    """source_ids of the articles in commits of the warehouse's articles table not in seen_snapshots."""
    catalog = os.path.join(output, 'catalog.db')
    if not os.path.exists(catalog):
        return []
    try:
        table = SqlCatalog('newsbeam', uri=f'sqlite:///{os.path.abspath(catalog)}').load_table(('news', 'articles'))
    except Exception:  # pylint: disable=broad-except
        return []   # the catalog is being created: the next round sees it
    found = []
    for snapshot in table.snapshots():
        if snapshot.snapshot_id in seen_snapshots:
            continue
        seen_snapshots.add(snapshot.snapshot_id)
        for entry in table.inspect.entries(snapshot_id=snapshot.snapshot_id).to_pylist():
            if entry['status'] == 1 and entry['snapshot_id'] == snapshot.snapshot_id:
                path = entry['data_file']['file_path']
                found.extend(pq.ParquetFile(path).read(columns=['source_id']).column('source_id').to_pylist())
    return found


class _Visibility(threading.Thread):
    """Polls the warehouse's catalog and notes when each source_id first appears in a commit."""

    def __init__(self, output: str, period: float = 0.2):
        super().__init__(daemon=True)
        self._output = output
        self._period = period
        self._snapshots = set()
        self.seen = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            now = time.time()
            for source_id in _committed_source_ids(self._output, self._snapshots):
                self.seen.setdefault(source_id, now)
            self.stop.wait(self._period)


def _command(args, bootstrap, topic, expansion, output, runner_args, max_records=None):
    command = [sys.executable, '-m', 'pipeline.cli', 'run', '--streaming',
               '--kafka-bootstrap', bootstrap, '--kafka-topic', topic, '--kafka-expansion-service', expansion,
               '--kafka-group-id', f'measure-{uuid.uuid4().hex}', '--output', output,
               '--window-seconds', str(args.window_seconds), *runner_args]
    if max_records:
        command += ['--kafka-max-records', str(max_records)]
    return command


def _start(command, log):
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _kill(process):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _throughput(args, bootstrap, expansion, runner_args, work):
    topic = f'measure-backlog-{uuid.uuid4().hex[:8]}'
    corpus.create_topic(bootstrap, topic)
    payloads = [json.dumps(a).encode() for a in corpus.articles(args.articles, seed=11)]
    corpus.publish(bootstrap, topic, payloads)
    output = str(work / 'backlog')
    command = _command(args, bootstrap, topic, expansion, output, runner_args, max_records=len(payloads))
    watcher = _Visibility(output)
    watcher.start()
    started = time.time()
    with open(work / 'backlog.log', 'wb') as log:
        status = _start(command, log).wait()
    wall = time.time() - started
    watcher.stop.set()
    watcher.join()
    if status != 0:
        raise SystemExit(f'the backlog run failed (exit {status}); see {work / "backlog.log"}')
    seen = watcher.seen
    # A last look: commits made after the watcher's last round.
    final = set(seen) | set(_committed_source_ids(output, set()))
    span = (max(seen.values()) - min(seen.values())) if len(seen) > 1 else None
    return {
        'articles': len(payloads), 'written': len(final), 'wall_seconds': round(wall, 1),
        'articles_per_second': round(len(final) / wall, 1),
        'first_to_last_commit_seconds': round(span, 1) if span else None,
        'articles_per_second_first_to_last_commit': round(len(final) / span, 1) if span else None,
        'command': command,
    }


def _latency(args, bootstrap, expansion, runner_args, work):
    topic = f'measure-live-{uuid.uuid4().hex[:8]}'
    corpus.create_topic(bootstrap, topic)
    output = str(work / 'live')
    command = _command(args, bootstrap, topic, expansion, output, runner_args)
    watcher = _Visibility(output)
    watcher.start()
    from kafka import KafkaProducer  # pylint: disable=import-outside-toplevel
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    sent = {}
    number = 0

    def send(prefix):
        nonlocal number
        record = corpus.article(number, random.Random(number), datetime.datetime.now(datetime.timezone.utc))
        record.pop('published', None)   # event time = message time: latency without late data
        record['id'] = f'{prefix}{number:06d}'
        producer.send(topic, json.dumps(record).encode()).get(timeout=30)
        number += 1
        return record['id'], time.time()

    with open(work / 'live.log', 'wb') as log:
        process = _start(command, log)
        try:
            # Warm-up: until the first file shows the pipeline is running end to end.
            deadline = time.time() + args.startup_timeout
            while not watcher.seen:
                if process.poll() is not None or time.time() > deadline:
                    raise SystemExit(f'the live run did not start writing; see {work / "live.log"}')
                send('warm')
                time.sleep(1 / args.rate)
            for _ in range(args.measured):
                source_id, at = send('m')
                sent[source_id] = at
                time.sleep(1 / args.rate)
            # Keep the watermark moving past the last measured window, then wait for the files.
            deadline = time.time() + 4 * args.window_seconds + args.drain_timeout
            while time.time() < deadline and not set(sent) <= set(watcher.seen):
                send('tail')
                time.sleep(1 / args.rate)
        finally:
            producer.close()
            _kill(process)
            watcher.stop.set()
            watcher.join()
    latencies = [watcher.seen[s] - at for s, at in sent.items() if s in watcher.seen]
    return {
        'rate_per_second': args.rate, 'measured': len(sent), 'visible': len(latencies),
        'p50_seconds': round(statistics.median(latencies), 2) if latencies else None,
        'p95_seconds': round(_percentile(latencies, 0.95), 2) if latencies else None,
        'max_seconds': round(max(latencies), 2) if latencies else None,
        'command': command,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--runner', choices=('prism', 'flink'), default='prism')
    parser.add_argument('--articles', type=int, default=1000, help='backlog size for the throughput run')
    parser.add_argument('--rate', type=float, default=20, help='articles per second in the latency run')
    parser.add_argument('--measured', type=int, default=200, help='articles whose latency is measured')
    parser.add_argument('--window-seconds', type=int, default=5)
    parser.add_argument('--startup-timeout', type=float, default=240)
    parser.add_argument('--drain-timeout', type=float, default=60)
    parser.add_argument('--skip-throughput', action='store_true')
    args = parser.parse_args(argv)

    work = pathlib.Path(tempfile.mkdtemp(prefix='newsbeam-measure-'))
    with contextlib.ExitStack() as stack:
        bootstrap = stack.enter_context(services.kafka_broker(log_dir=str(work)))
        expansion = stack.enter_context(kafka_expansion_service(log_dir=str(work)))
        if args.runner == 'prism':
            runner_args = ['--runner', 'PrismRunner', '--prism_location', components.prism_binary()]
            bounded_args = unbounded_args = runner_args
        else:
            endpoint = stack.enter_context(services.flink_job_server(log_dir=str(work)))
            bounded_args = ['--runner', 'PortableRunner', '--job_endpoint', endpoint, '--environment_type', 'LOOPBACK']
            unbounded_args = bounded_args + FLINK_UNBOUNDED_FLAGS
        report = {'runner': args.runner, 'window_seconds': args.window_seconds, 'work_dir': str(work),
                  'host_cpus': os.cpu_count(), 'load_average_at_start': os.getloadavg()[0]}
        if not args.skip_throughput:
            report['throughput'] = _throughput(args, bootstrap, expansion, bounded_args, work)
        report['latency'] = _latency(args, bootstrap, expansion, unbounded_args, work)
        report['measure_command'] = [sys.executable, *sys.argv]
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
