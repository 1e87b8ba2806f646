"""Options, wiring and entry point of the newsbeam pipeline."""
import logging
import warnings

# Import-time noise that says nothing about a run, silenced before apache_beam is imported:
# apache-beam 2.70 pins grpcio < 1.66, which Google's client libraries (the [gcp] extra)
# warn about at import; Beam's tfrecordio logs that crcmod is missing, although
# google-crc32c, which it would use instead, is installed.
warnings.filterwarnings('ignore', message=r'.*grpcio.*', category=FutureWarning)


class _DropImportNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith('crcmod package not found')


logging.getLogger().addFilter(_DropImportNoise())
