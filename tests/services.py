"""The services only tests and measurements use, started and stopped as context managers.

    with kafka_broker() as bootstrap, iceberg_rest_catalog(root) as rest:
        ...

* ``kafka_broker``: a single-node KRaft Kafka on loopback, in a temporary directory.
* ``flink_job_server``: Beam's Flink job server on an embedded ``[local]`` Flink cluster, for
  ``--runner PortableRunner --job_endpoint ... --environment_type LOOPBACK``.
* ``beam_job_service``: Beam's Python job service (the same portable API, no Java).
* ``iceberg_rest_catalog``: Apache Iceberg's REST catalog test server (a JdbcCatalog on SQLite and
  a local warehouse folder behind the REST protocol), for ``--catalog-uri http://...``.
* ``spark_sql``: the ``spark-sql`` command of a pinned pyspark, with Iceberg's Spark runtime, on a
  warehouse's SQLite catalog.

They are not part of the installed package: newsbeam needs none of them to run.  Their pins are in
the checkout (``scripts/java/<name>/pom.xml``, ``scripts/spark/requirements.txt``) and are fetched once
into newsbeam's cache by ``pipeline/components`` like the package's own (the Kafka IO expansion
service and Prism, which the CLI itself starts).  Fetch everything ahead of a test run with

    python -m tests.services fetch [NAME ...]      # what `make runners` and .ci/run do

This module imports nothing from Beam.
"""
import base64
import contextlib
import os
import pathlib
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional

from pipeline import components
from pipeline.services import (MissingTool, ServiceError, free_port, java_command, log_folder, port_open, service,
                               tail)
from transforms.core.cache import cache_dir

ROOT = pathlib.Path(__file__).resolve().parents[1]
JAVA_DIR = ROOT / 'scripts' / 'java'
SPARK_REQUIREMENTS = ROOT / 'scripts' / 'spark' / 'requirements.txt'
CATALOG_NAME = 'newsbeam'

__all__ = ['MissingTool', 'ServiceError', 'kafka_broker', 'flink_job_server', 'beam_job_service',
           'iceberg_rest_catalog', 'spark_sql', 'COMPONENTS']


def java_libs(component: str) -> pathlib.Path:
    """The jar folder of a test-only Java component, ``scripts/java/<component>/pom.xml``, fetched once."""
    return components.maven_libs(JAVA_DIR / component / 'pom.xml', component)


def spark_venv() -> pathlib.Path:
    """A virtualenv holding exactly ``scripts/spark/requirements.txt`` (pyspark), made once under the cache."""
    def make(venv: pathlib.Path) -> None:
        components.build_step([sys.executable, '-m', 'venv', str(venv)], 'making the Spark virtualenv')
        components.build_step([str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '--disable-pip-version-check',
                               '--quiet', '--require-hashes', '--no-deps', '-r', str(SPARK_REQUIREMENTS)],
                              f'installing {SPARK_REQUIREMENTS} from PyPI')

    return components.made_once(cache_dir() / 'python' / 'spark', [SPARK_REQUIREMENTS], make)


def _spark() -> pathlib.Path:
    spark_venv()
    return java_libs('spark')


COMPONENTS: Dict[str, Callable[[], object]] = {
    **components.PACKAGE_COMPONENTS,
    'kafka-broker': lambda: java_libs('kafka-broker'),
    'flink-job-server': lambda: java_libs('flink-job-server'),
    'iceberg-rest': lambda: java_libs('iceberg-rest'),
    'spark': _spark,
}


def kafka_cluster_id() -> str:
    """A new KRaft cluster id, as `kafka-storage.sh random-uuid` prints it: a UUID in URL-safe base64,
    unpadded, never starting with '-' (Kafka's `Uuid.randomUuid` draws again too: one id in 64 would
    otherwise read as an option on the storage tool's command line)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b'=').decode()
        if not cluster_id.startswith('-'):
            return cluster_id


@contextlib.contextmanager
def kafka_broker(port: Optional[int] = None, controller_port: Optional[int] = None,
                 log_dir: Optional[str] = None, timeout_seconds: float = 90) -> Iterator[str]:
    """A single-node KRaft Kafka (broker and controller in one JVM) on 127.0.0.1, with its data in a
    temporary directory that is deleted on exit.

    Args:
      port: the broker's port (default: a free port).
      controller_port: the KRaft controller's port (default: a free port).
      log_dir: keep the broker log there (default: beside the data, removed on exit).
      timeout_seconds: how long the broker may take to start.

    Yields:
      '127.0.0.1:PORT', for ``bootstrap.servers``.
    """
    java = java_command('the Kafka broker')
    lib = java_libs('kafka-broker')
    port = port or free_port()
    controller_port = controller_port or free_port()
    template = (JAVA_DIR / 'kafka-broker' / 'server.properties').read_text(encoding='utf-8')
    with tempfile.TemporaryDirectory(prefix='newsbeam-kafka-') as home:
        home_path = pathlib.Path(home)
        properties = home_path / 'server.properties'
        properties.write_text(template.replace('@DATA_DIR@', str(home_path / 'data'))
                              .replace('@BROKER_PORT@', str(port))
                              .replace('@CONTROLLER_PORT@', str(controller_port)), encoding='utf-8')
        logs = pathlib.Path(log_dir) if log_dir else home_path
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f'kafka-broker-{port}.log'
        base = [java, '-Xmx512m', '-cp', f'{lib}/*',
                f'-Dlog4j2.configurationFile={JAVA_DIR / "kafka-broker" / "log4j2.properties"}']
        with open(log, 'ab') as handle:
            formatted = subprocess.run(base + ['kafka.tools.StorageTool', 'format',
                                               f'--cluster-id={kafka_cluster_id()}', '-c', str(properties)],
                                       stdout=handle, stderr=subprocess.STDOUT, check=False)
        if formatted.returncode != 0:
            raise ServiceError(f'formatting the Kafka storage failed; last lines of {log}:\n{tail(log)}')

        def ready() -> bool:
            return port_open(port) and 'Kafka Server started' in log.read_text(encoding='utf-8', errors='replace')

        with service('Kafka broker', base + ['kafka.Kafka', str(properties)], log, ready, timeout_seconds):
            yield f'127.0.0.1:{port}'


@contextlib.contextmanager
def flink_job_server(job_port: Optional[int] = None, artifact_port: Optional[int] = None,
                     expansion_port: Optional[int] = None, log_dir: Optional[str] = None,
                     timeout_seconds: float = 120) -> Iterator[str]:
    """Beam's Flink job server running jobs on an embedded Flink cluster (``--flink-master=[local]``).

    Args:
      job_port, artifact_port, expansion_port: its three services (default: free ports).
      log_dir: keep the log there (default: a temporary directory, removed on exit).
      timeout_seconds: how long the JVM may take to listen.

    Yields:
      'localhost:JOB_PORT', for ``--job_endpoint``.
    """
    java = java_command('the Flink job server')
    lib = java_libs('flink-job-server')
    job_port = job_port or free_port()
    command = [java, '-cp', f'{lib}/*', 'org.apache.beam.runners.flink.FlinkJobServerDriver',
               '--flink-master=[local]', f'--job-port={job_port}',
               f'--artifact-port={artifact_port or free_port()}', f'--expansion-port={expansion_port or free_port()}']
    with log_folder(log_dir, 'flink-job-server') as logs, \
            service('Flink job server', command, logs / f'flink-job-server-{job_port}.log',
                    lambda: port_open(job_port), timeout_seconds):
        yield f'localhost:{job_port}'


@contextlib.contextmanager
def beam_job_service(port: Optional[int] = None, python: str = sys.executable, log_dir: Optional[str] = None,
                     timeout_seconds: float = 60) -> Iterator[str]:
    """Beam's Python portable job service (``local_job_service_main``) in its own process.

    Yields:
      'localhost:PORT', for ``--job_endpoint``.
    """
    port = port or free_port()
    command = [python, '-m', 'apache_beam.runners.portability.local_job_service_main', '--port', str(port)]
    with log_folder(log_dir, 'beam-job-service') as logs, \
            service('Beam job service', command, logs / f'beam-job-service-{port}.log',
                    lambda: port_open(port), timeout_seconds):
        yield f'localhost:{port}'


class RestCatalog(NamedTuple):
    """A running REST catalog: what ``--catalog-uri`` and pyiceberg's RestCatalog take."""
    uri: str             # http://127.0.0.1:PORT
    warehouse: str       # file:///...: where the server puts the tables' folders


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def iceberg_rest_catalog(root: str, port: Optional[int] = None, log_dir: Optional[str] = None,
                         timeout_seconds: float = 60) -> Iterator[RestCatalog]:
    """Apache Iceberg's REST catalog test server (``RESTCatalogServer``, iceberg-open-api 1.11.0).

    Behind the REST protocol it keeps an Iceberg JdbcCatalog on SQLite (``root/rest-catalog.db``) and
    the tables' folders under ``root/warehouse``; it answers at the port on every interface (it has no
    host option), and is ready when ``GET /v1/config`` answers.

    Args:
      root: a folder for the server's catalog database and warehouse (kept).
      port: where to listen (default: a free port).
      log_dir: keep the log there (default: a temporary directory, removed on exit).
      timeout_seconds: how long the JVM may take to answer.
    """
    java = java_command('the Iceberg REST catalog server')
    lib = java_libs('iceberg-rest')
    port = port or free_port()
    warehouse = pathlib.Path(root, 'warehouse').resolve()
    warehouse.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, 'CATALOG_WAREHOUSE': warehouse.as_uri(),
           'CATALOG_URI': f'jdbc:sqlite:{pathlib.Path(root).resolve() / "rest-catalog.db"}',
           'CATALOG_REST_PORT': str(port)}
    command = [java, '-Xmx256m', '-XX:+UseSerialGC', '-cp', f'{lib}/*', 'org.apache.iceberg.rest.RESTCatalogServer']
    uri = f'http://127.0.0.1:{port}'
    with log_folder(log_dir, 'iceberg-rest') as logs, \
            service('Iceberg REST catalog', command, logs / f'iceberg-rest-{port}.log',
                    lambda: _answers(f'{uri}/v1/config'), timeout_seconds, env=env):
        yield RestCatalog(uri, warehouse.as_uri())


def spark_catalog_conf(output: str) -> List[str]:
    """The ``--conf`` options that make a Spark SQL catalog ``newsbeam`` of the warehouse's SQLite catalog
    (Iceberg's JdbcCatalog: the same tables as pyiceberg's SQL catalog, found by the catalog's name)."""
    root = pathlib.Path(output).resolve()
    conf = {'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
            f'spark.sql.catalog.{CATALOG_NAME}': 'org.apache.iceberg.spark.SparkCatalog',
            f'spark.sql.catalog.{CATALOG_NAME}.type': 'jdbc',
            f'spark.sql.catalog.{CATALOG_NAME}.uri': f'jdbc:sqlite:{root / "catalog.db"}',
            f'spark.sql.catalog.{CATALOG_NAME}.warehouse': str(root)}
    return [option for key, value in conf.items() for option in ('--conf', f'{key}={value}')]


def spark_sql(output: str, statements: str, timeout_seconds: float = 600) -> List[List[str]]:
    """Runs Spark SQL statements (``spark-sql -S -e``) on the warehouse at ``output``; returns the rows printed.

    The command is the one docs/warehouse.md gives, with the cached jars (``--jars``) in place of
    ``--packages``.  Spark runs in local mode on one core.

    Returns:
      Every printed row of every statement, each split at tabs.

    Raises:
      ServiceError: spark-sql failed (the end of its output follows).
    """
    java_command('Spark')
    venv = spark_venv()
    jars = java_libs('spark')
    site = next((venv / 'lib').glob('python3*/site-packages/pyspark'))
    command = [str(venv / 'bin' / 'spark-sql'), '--master', 'local[1]', '--driver-memory', '1g',
               '--jars', ','.join(str(path) for path in sorted(jars.glob('*.jar'))),
               '--conf', 'spark.ui.enabled=false', *spark_catalog_conf(output), '-S', '-e', statements]
    env = {**os.environ, 'SPARK_HOME': str(site), 'SPARK_LOCAL_IP': '127.0.0.1', 'PYSPARK_PYTHON': sys.executable}
    # spark-sql keeps a Hive metastore (metastore_db/, derby.log) in its working directory: a temporary one.
    with tempfile.TemporaryDirectory(prefix='newsbeam-spark-') as scratch:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout_seconds,
                                check=False, stdin=subprocess.DEVNULL, cwd=scratch)
    if result.returncode != 0:
        raise ServiceError(f'spark-sql failed with exit status {result.returncode}:\n'
                           + '\n'.join((result.stdout + result.stderr).splitlines()[-components.LOG_TAIL_LINES:]))
    return [line.split('\t') for line in result.stdout.splitlines() if line.strip()]


def main(argv: List[str]) -> int:
    """``python -m tests.services fetch [NAME ...]``."""
    if argv[:1] != ['fetch']:
        print(f'usage: python -m tests.services fetch [{" | ".join(COMPONENTS)} ...]', file=sys.stderr)
        return 2
    return components.fetch_main(argv[1:], COMPONENTS)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
