"""``NewsPipelineOptions``: newsbeam's options as Beam PipelineOptions (declared in ``pipeline/arguments.py``)."""
from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.arguments import add_run_arguments
from transforms.core.errors import UsageError
from transforms.core.warehouse import CatalogConfig

# FnApiRunner is what DirectRunner falls back to for batch pipelines, minus its
# attempt to download the Prism runner binary first (which fails offline).
DEFAULT_RUNNER = 'FnApiRunner'
# Streaming needs a runner with unbounded sources and Beam's Java Kafka IO; Prism is local
# and is built once from the Go module proxy by pipeline/components.
STREAMING_RUNNER = 'PrismRunner'


class NewsPipelineOptions(PipelineOptions):
    """newsbeam's own options; any standard Beam option (--runner, --direct_num_workers, ...) passes through."""

    @classmethod
    def _add_argparse_args(cls, parser):
        add_run_arguments(parser)

    def validate_news_options(self, streaming: bool) -> None:
        """Fails fast, before anything runs, on options that cannot make a run together.

        Raises:
          UsageError: saying which options and why.
        """
        if not self.output:
            raise UsageError('--output is required')
        if streaming:
            if bool(self.kafka_topic) == bool(self.pubsub_subscription):
                raise UsageError('--streaming needs --kafka-topic (with --kafka-bootstrap) or --pubsub-subscription')
            if self.kafka_topic and not self.kafka_bootstrap:
                raise UsageError('--kafka-topic needs --kafka-bootstrap')
            if self.input:
                raise UsageError('--input reads files: a batch option, not for --streaming')
        elif not self.input:
            raise UsageError('--input is required')


class FlinkJobServerOptions(PipelineOptions):
    """Options of Beam's Java Flink runner that a job behind a Flink job server (``--runner PortableRunner
    --job_endpoint ...``) needs and Beam's Python SDK does not declare.  Declared here, they reach the job
    server with the pipeline's options (the Java side reads ``checkpointing_interval`` as
    ``checkpointingInterval``); undeclared, they would be refused as unknown.
    """

    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument('--checkpointing_interval', type=int, default=None, metavar='MS',
                            help='Flink: checkpoint every MS milliseconds; an unbounded Kafka read on Flink needs it '
                                 '(e.g. 5000), a bounded one (--kafka-max-records) must not have it.')


def catalog_config(news: NewsPipelineOptions) -> CatalogConfig:
    """How this run reaches the warehouse's Iceberg catalog."""
    properties = tuple(tuple(item.split('=', 1)) for item in news.catalog_property or ())
    return CatalogConfig(news.output, news.catalog_uri, properties)
