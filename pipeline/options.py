"""Command-line options of ``newsbeam run``."""
from apache_beam.options.pipeline_options import PipelineOptions

from transforms.nlp.model import DEFAULT_MODEL
from transforms.read import DEFAULT_MAX_ARTICLE_CHARS

# FnApiRunner is what DirectRunner falls back to for batch pipelines, minus its
# attempt to download the Prism runner binary first (which fails offline).
DEFAULT_RUNNER = 'FnApiRunner'


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
            '--run_id', default=None,
            help='Name of this run in file names and the manifest (default: UTC start time plus a random '
                 'suffix).')

    def validate_news_options(self):
        """Fails fast, before anything runs, on missing or unusable options."""
        missing = [name for name in ('input', 'output') if not getattr(self, name)]
        if missing:
            raise ValueError(', '.join(f'--{name}' for name in missing) + ' is required')
        if self.max_article_chars <= 0:
            raise ValueError('--max_article_chars must be positive')
