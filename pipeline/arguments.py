"""The options of ``newsbeam run``, declared once for the command line and for Beam's PipelineOptions.

Beam-free on purpose: ``newsbeam run --help`` and a mistyped option are answered without
importing Beam or spaCy.  Every option takes both spellings, ``--max-article-chars`` and
``--max_article_chars``; standard Beam options (``--runner``, ``--direct_num_workers``, ...)
are Beam's own and keep Beam's spelling.
"""
import argparse
import re

from transforms.core.defaults import DEFAULT_MAX_ARTICLE_CHARS, DEFAULT_MODEL

# Batch pass 1 (near-duplicate verdicts: read, datelines, source tags, MinHash; no NLP) costs a few
# milliseconds an article, and a runner's workers take seconds to start: up to this many bytes of input
# plus ledger, pass 1 runs in the launching process whatever the runner.
IN_PROCESS_FIRST_PASS_BYTES = 8 << 20
# Names that become parts of paths (run ids): letters, digits, '.', '_' and '-', not starting with a dot.
_SAFE_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]{0,127}')


def safe_name(value: str) -> str:
    """argparse type of a name that becomes part of a file name: refuses '/', '..' and the like."""
    if not _SAFE_NAME.fullmatch(value) or '..' in value:
        raise argparse.ArgumentTypeError(
            f'{value!r} is not a safe name: use 1-128 letters, digits, ".", "_" or "-", not starting with "." '
            'and without ".."')
    return value


def catalog_property(value: str) -> str:
    """argparse type of KEY=VALUE."""
    key, equals, _ = value.partition('=')
    if not equals or not key.strip():
        raise argparse.ArgumentTypeError(f'{value!r} is not KEY=VALUE')
    return value


def positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f'{value!r} is not a positive number')
    return number


def non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f'{value!r} is negative')
    return number


def _option(group, name: str, **kwargs) -> None:
    """Adds ``--name-with-dashes`` and ``--name_with_underscores`` as one option."""
    dest = name.replace('-', '_')
    flags = [f'--{name}'] + ([f'--{dest}'] if dest != name else [])
    group.add_argument(*flags, dest=dest, **kwargs)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """newsbeam's own options of a run, on any argparse parser (the CLI's, or Beam's)."""
    _option(parser, 'input', action='append', default=None, metavar='GLOB',
            help='Articles to read: a glob (quote it), a file or a directory (all files under it); repeat for '
                 'several. *.txt: one article per file (source_id is the file name); *.jsonl: one JSON article '
                 'per line with "text" (required), "id", "title", "published" (ISO 8601), "url", "source". '
                 ".gz, .bz2 and .xz files are read too. 'dir/**/*' matches files at any depth.")
    _option(parser, 'output', default=None, metavar='DIR',
            help='Warehouse root: a local directory (the Iceberg catalog and tables, Avro copies, run journals) '
                 'or an object-store URL (s3://, gs://) with --catalog-uri.')
    _option(parser, 'catalog-uri', default=None, metavar='URI',
            help='The Iceberg catalog: http(s)://... (REST: Polaris, Nessie, Lakekeeper, ...), thrift://... (Hive), '
                 'postgresql+psycopg2://... (SQL); default: a SQLite catalog at OUTPUT/catalog.db.')
    _option(parser, 'catalog-property', action='append', default=None, type=catalog_property,
            metavar='KEY=VALUE',
            help='A property of the catalog, repeatable: type=glue, warehouse=s3://bucket/news, '
                 's3.endpoint=..., credential=..., as pyiceberg names them.')
    _option(parser, 'model', default=DEFAULT_MODEL,
            help='Installed spaCy pipeline package for NER and the parser (default: %(default)s); '
                 "'blank:en' runs without a model (no entities, no events).")
    _option(parser, 'max-article-chars', type=positive_int, default=DEFAULT_MAX_ARTICLE_CHARS, metavar='N',
            help='Longer articles go to dead_letters (default: %(default)s).')
    _option(parser, 'follow-links', action='store_true',
            help='Read symbolic links that lead out of the input directory (by default they are refused with '
                 'a dead letter).')
    _option(parser, 'in-process-first-pass-bytes', type=non_negative_int, default=IN_PROCESS_FIRST_PASS_BYTES,
            metavar='BYTES',
            help='Batch: the near-duplicate pass (no NLP) runs in this process, not on the runner, when the '
                 'input plus the ledger of earlier runs is at most this many bytes; 0: always on the runner '
                 '(default: %(default)s).')
    _option(parser, 'run-id', type=safe_name, default=None,
            help='Name of this run in snapshots and file names (default: UTC start time plus a random suffix).')

    streaming = parser.add_argument_group(
        'streaming (with --streaming): articles as JSON messages, committed per window of arrival time')
    _option(streaming, 'kafka-bootstrap', default=None, metavar='HOST:PORT', help='Kafka brokers to read from.')
    _option(streaming, 'kafka-topic', default=None, help='Kafka topic of JSON articles (the fields of a JSONL line).')
    _option(streaming, 'kafka-group-id', default='newsbeam',
            help='Kafka consumer group; offsets are committed as articles are read.')
    _option(streaming, 'kafka-offset-reset', choices=('earliest', 'latest'), default='earliest',
            help='Where a new consumer group starts (default: %(default)s).')
    _option(streaming, 'kafka-max-records', type=positive_int, default=None, metavar='N',
            help='Stop after this many messages: a bounded backfill that ends cleanly, with every window written. '
                 'On Flink, an unbounded read (without this) needs --checkpointing_interval=5000; a bounded one '
                 'must not have it (it never finishes).')
    _option(streaming, 'kafka-expansion-service', default=None, metavar='HOST:PORT',
            help="A running Beam Kafka IO expansion service; by default one is started from the project's "
                 'pinned, cached Maven jars.')
    _option(streaming, 'pubsub-subscription', default=None, metavar='projects/P/subscriptions/S',
            help='Read from Pub/Sub instead (Dataflow).')
    _option(streaming, 'window-seconds', type=positive_int, default=60, metavar='S',
            help='Window of arrival time: each window is one commit of the warehouse (default: %(default)s).')
    _option(streaming, 'allowed-lateness-seconds', type=non_negative_int, default=3600, metavar='S',
            help='An article up to this late in event time still reaches its window, as a further commit of '
                 'that window; an article published earlier than that before it arrives is placed at the oldest '
                 'time still allowed (default: %(default)s).')
    _option(streaming, 'num-shards', type=positive_int, default=1, metavar='N',
            help='Files per table partition and window (default: %(default)s).')
