"""Command-line options of ``newsbeam run``."""
from apache_beam.options.pipeline_options import PipelineOptions

from transforms.nlp.model import DEFAULT_MODEL
from transforms.read import DEFAULT_MAX_ARTICLE_CHARS

# FnApiRunner is what DirectRunner falls back to for batch pipelines, minus its
# attempt to download the Prism runner binary first (which fails offline).
DEFAULT_RUNNER = 'FnApiRunner'
# Streaming needs a runner with unbounded sources and Beam's Java Kafka IO; Prism is local
# and is built from the Go module proxy by scripts/build-prism.sh.
STREAMING_RUNNER = 'PrismRunner'
# Batch pass 1 (near-duplicate verdicts: read, datelines, source tags, MinHash; no NLP) costs
# about 3 ms an article, and a runner's workers take seconds to start.  Up to this many bytes of
# input plus ledger, pass 1 runs in the launching process (FnApiRunner, in memory) whatever the
# runner: on the bench input, 1,000 articles (3.3 MB) took 4.3 s there against 7.7 s on two local
# worker processes, and 10,000 (33 MB) 29.2 s against 21.0 s.
IN_PROCESS_FIRST_PASS_BYTES = 8 << 20


class NewsPipelineOptions(PipelineOptions):
    """newsbeam's own options; any standard Beam option (--runner, --direct_num_workers, ...) passes through."""

    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument(
            '--input', action='append', default=None, metavar='GLOB',
            help='Articles to read; repeat for several globs. *.txt: one article per file (source_id is the '
                 'file name); *.jsonl: one JSON article per line with "text" (required), "id", "title", '
                 '"published" (ISO 8601), "url", "source". .gz/.bz2 compressed files are read too. '
                 "'dir/**/*' matches files at any depth, including dir itself.")
        parser.add_argument(
            '--output', default=None, metavar='DIR',
            help='Warehouse root: Parquet under DIR/parquet/<table>/, Avro under DIR/avro/<table>/, '
                 'Hive-partitioned; run manifests under DIR/_runs/.')
        parser.add_argument(
            '--model', default=DEFAULT_MODEL,
            help='Installed spaCy pipeline package for NER (default: %(default)s).')
        parser.add_argument(
            '--max_article_chars', type=int, default=DEFAULT_MAX_ARTICLE_CHARS,
            help='Longer articles go to dead_letters (default: %(default)s).')
        parser.add_argument(
            '--in_process_first_pass_bytes', type=int, default=IN_PROCESS_FIRST_PASS_BYTES, metavar='BYTES',
            help='Batch: the near-duplicate pass (no NLP) runs in this process, not on the runner, when the '
                 'input plus the ledger of earlier runs is at most this many bytes; 0: always on the runner '
                 '(default: %(default)s).')
        parser.add_argument(
            '--cold_worker_processes', action='store_true',
            help='Batch on the local runner with --direct_running_mode=multi_processing: start each worker '
                 "process the Beam way (it imports Beam, spaCy and newsbeam and loads the model itself) instead "
                 'of forking it from a parent process that did so once while the run began.')
        parser.add_argument(
            '--run_id', default=None,
            help='Name of this run in file names and the manifest (default: UTC start time plus a random '
                 'suffix).')

        streaming = parser.add_argument_group(
            'streaming (with --streaming): articles as JSON messages, written per event-time window')
        streaming.add_argument('--kafka-bootstrap', '--kafka_bootstrap', dest='kafka_bootstrap', default=None,
                               metavar='HOST:PORT', help='Kafka brokers to read from.')
        streaming.add_argument('--kafka-topic', '--kafka_topic', dest='kafka_topic', default=None,
                               help='Kafka topic of JSON articles (the fields of a JSONL line).')
        streaming.add_argument('--kafka-group-id', '--kafka_group_id', dest='kafka_group_id', default='newsbeam',
                               help='Kafka consumer group; offsets are committed as articles are read.')
        streaming.add_argument('--kafka-offset-reset', '--kafka_offset_reset', dest='kafka_offset_reset',
                               choices=('earliest', 'latest'), default='earliest',
                               help='Where a new consumer group starts (default: %(default)s).')
        streaming.add_argument('--kafka-max-records', '--kafka_max_records', dest='kafka_max_records', type=int,
                               default=None, help='Stop after this many messages: a bounded backfill that ends '
                                                  'cleanly, with every window written. On Flink, an unbounded read '
                                                  '(without this) needs --checkpointing_interval=5000; a bounded '
                                                  'one must not have it (it never finishes).')
        streaming.add_argument('--kafka-expansion-service', '--kafka_expansion_service',
                               dest='kafka_expansion_service', default=None, metavar='HOST:PORT',
                               help="A running Beam Kafka IO expansion service; by default one is started from "
                                    "the project's pinned, cached Maven jars (scripts/java-deps.sh).")
        streaming.add_argument('--pubsub-subscription', '--pubsub_subscription', dest='pubsub_subscription',
                               default=None, metavar='projects/P/subscriptions/S',
                               help='Read from Pub/Sub instead (Dataflow).')
        streaming.add_argument('--window-seconds', '--window_seconds', dest='window_seconds', type=int, default=60,
                               help='Event-time window of the output files (default: %(default)s).')
        streaming.add_argument('--allowed-lateness-seconds', '--allowed_lateness_seconds',
                               dest='allowed_lateness_seconds', type=int, default=3600,
                               help='An article up to this late in event time still reaches its window, as a '
                                    'further file of that window; an article published earlier than that before '
                                    'it arrives is placed at the oldest time still allowed (default: %(default)s).')
        streaming.add_argument('--num-shards', '--num_shards', dest='num_shards', type=int, default=1,
                               help='Files per table partition and window (default: %(default)s).')

    def validate_news_options(self, streaming: bool):
        """Fails fast, before anything runs, on missing or unusable options."""
        if streaming:
            if not self.output:
                raise ValueError('--output is required')
            if bool(self.kafka_topic) == bool(self.pubsub_subscription):
                raise ValueError('--streaming needs --kafka-topic (with --kafka-bootstrap) or --pubsub-subscription')
            if self.kafka_topic and not self.kafka_bootstrap:
                raise ValueError('--kafka-topic needs --kafka-bootstrap')
            if self.input:
                raise ValueError('--input reads files: a batch option, not for --streaming')
            if min(self.window_seconds, self.num_shards) <= 0 or self.allowed_lateness_seconds < 0:
                raise ValueError('--window-seconds and --num-shards must be positive, the lateness not negative')
        else:
            missing = [name for name in ('input', 'output') if not getattr(self, name)]
            if missing:
                raise ValueError(', '.join(f'--{name}' for name in missing) + ' is required')
        if self.max_article_chars <= 0:
            raise ValueError('--max_article_chars must be positive')
