"""Local services for streaming and portable runs, started and stopped as context managers.

    with kafka_broker() as bootstrap, kafka_expansion_service() as expansion:
        ...  # ReadFromKafka(..., expansion_service=expansion) on Prism or Flink

* ``kafka_expansion_service``: Beam's Java expansion service with KafkaIO and a loopback
  Java worker on the same port, so the Kafka read runs without Docker on any portable runner.
* ``flink_job_server``: Beam's Flink job server on an embedded ``[local]`` Flink cluster,
  for ``--runner PortableRunner --job_endpoint ... --environment_type LOOPBACK``.
* ``beam_job_service``: Beam's Python job service (the same portable API, no Java).
* ``kafka_broker``: a single-node KRaft Kafka on loopback, in a temporary directory.
* ``prism_binary``: the pinned Prism runner binary, for ``--prism_location``.

The Java components are the jars of ``scripts/java/*/pom.xml``, copied from Maven Central
once into the cache (``$NEWSBEAM_CACHE``, default ``~/.cache/newsbeam``) by
``scripts/java-deps.sh``; Prism is built once by ``scripts/build-prism.sh``.  Both scripts
live in the checkout, so these helpers need one.  Every service listens on a free port
(unless told one), is ready when the context is entered, and is killed with its whole
process group on exit (and gets SIGTERM if the process that started it dies first).  A service
that fails to start raises ``ServiceError`` with the end
of its log; ``MissingTool`` (a subclass) means java, mvn or go is not installed.

This module imports nothing from Beam: the CLI and the tests share it.
"""
import base64
import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Callable, Iterator, List, Optional

ROOT = pathlib.Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / 'scripts'
JAVA_DIR = SCRIPTS / 'java'
LOG_TAIL_LINES = 40
# Exit status of scripts/java-deps.sh and scripts/build-prism.sh when mvn or go is missing.
_MISSING_TOOL_STATUS = 3


class ServiceError(RuntimeError):
    """A service could not be built or started."""


class MissingTool(ServiceError):
    """A tool the service needs (java, mvn, go) is not installed."""


def cache_dir() -> pathlib.Path:
    """Where downloaded jars, the Prism binary and gazetteer indexes are kept between runs."""
    return pathlib.Path(os.environ.get('NEWSBEAM_CACHE') or pathlib.Path.home() / '.cache' / 'newsbeam')


def free_port() -> int:
    """A TCP port no one listens on now (the OS picks it); racy in theory, fine for local services."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = '127.0.0.1') -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _tail(path: pathlib.Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return ''.join(handle.readlines()[-lines:])
    except OSError:
        return '(no log)'


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise MissingTool(f'{tool} not found on PATH')
    return found


def _run_script(script: str, *args: str) -> str:
    """Runs one of the build scripts and returns the path it prints (its last stdout line)."""
    command = [str(SCRIPTS / script), *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode == _MISSING_TOOL_STATUS:
        raise MissingTool(result.stderr.strip())
    if result.returncode != 0:
        tail = '\n'.join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise ServiceError(f'{" ".join(command)} failed with exit status {result.returncode}:\n{tail}')
    return result.stdout.strip().splitlines()[-1]


def java_libs(component: str) -> pathlib.Path:
    """The jar directory of ``scripts/java/<component>/pom.xml``, downloaded once (needs mvn only then)."""
    return pathlib.Path(_run_script('java-deps.sh', component))


def prism_binary() -> str:
    """Path of the Prism binary pinned in tools/prism/go.mod, built once (needs go only then)."""
    return _run_script('build-prism.sh')


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the process that started it dies (Linux), so a
    killed test run or CLI (no context-manager exit) does not leave JVMs behind."""
    if sys.platform.startswith('linux'):
        import ctypes  # pylint: disable=import-outside-toplevel
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop(process: subprocess.Popen, grace_seconds: float = 10) -> None:
    """Ends the service's whole process group: SIGTERM, then SIGKILL after the grace period."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def _log_dir(log_dir: Optional[str], name: str) -> Iterator[pathlib.Path]:
    """The given log directory (kept), or a temporary one removed when the service stops."""
    if log_dir:
        path = pathlib.Path(log_dir)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = pathlib.Path(tempfile.mkdtemp(prefix=f'newsbeam-{name}-'))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _service(name: str, command: List[str], log: pathlib.Path, ready: Callable[[], bool],
             timeout_seconds: float, cwd: Optional[pathlib.Path] = None) -> Iterator[subprocess.Popen]:
    """Starts ``command`` in its own process group, waits until ``ready()``, stops it on exit."""
    with open(log, 'ab') as handle:
        # Its own process group, so that stopping it reaches the workers it starts; and it dies
        # with the thread that started it: start services from a thread that outlives them.
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent)
    try:
        deadline = time.monotonic() + timeout_seconds
        while not ready():
            if process.poll() is not None:
                raise ServiceError(f'{name} exited with status {process.returncode} while starting; '
                                   f'last lines of {log}:\n{_tail(log)}')
            if time.monotonic() > deadline:
                raise ServiceError(f'{name} not ready after {timeout_seconds:.0f} s; last lines of {log}:\n'
                                   f'{_tail(log)}')
            time.sleep(0.2)
        yield process
    finally:
        _stop(process)


def _jar(lib: pathlib.Path, prefix: str) -> pathlib.Path:
    found = sorted(lib.glob(f'{prefix}-*.jar'))
    if not found:
        raise ServiceError(f'no {prefix}-*.jar in {lib}')
    return found[-1]


@contextlib.contextmanager
def kafka_expansion_service(port: Optional[int] = None, log_dir: Optional[str] = None,
                            timeout_seconds: float = 120) -> Iterator[str]:
    """Beam's Kafka IO expansion service, with a loopback Java SDK worker on the same port.

    Transforms it expands run in that worker (environment EXTERNAL at the same address),
    so ReadFromKafka needs no Docker on Prism or Flink.

    Args:
      port: where to listen (default: a free port).
      log_dir: keep the log there (default: a temporary directory, removed on exit).
      timeout_seconds: how long the JVM may take to listen.

    Yields:
      'localhost:PORT', for ``expansion_service=``.
    """
    java = _require('java')
    lib = java_libs('kafka-expansion')
    port = port or free_port()
    address = f'localhost:{port}'
    command = [java, f'-javaagent:{_jar(lib, "jamm")}', '-cp', f'{lib}/*',
               'org.apache.beam.sdk.expansion.service.ExpansionService', str(port),
               '--javaClassLookupAllowlistFile=*', '--alsoStartLoopbackWorker',
               '--defaultEnvironmentType=EXTERNAL', f'--defaultEnvironmentConfig={address}']
    with _log_dir(log_dir, 'kafka-expansion') as logs, \
            _service('Kafka expansion service', command, logs / f'kafka-expansion-{port}.log',
                     lambda: port_open(port), timeout_seconds):
        yield address


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
    java = _require('java')
    lib = java_libs('flink-job-server')
    job_port = job_port or free_port()
    command = [java, '-cp', f'{lib}/*', 'org.apache.beam.runners.flink.FlinkJobServerDriver',
               '--flink-master=[local]', f'--job-port={job_port}',
               f'--artifact-port={artifact_port or free_port()}', f'--expansion-port={expansion_port or free_port()}']
    with _log_dir(log_dir, 'flink-job-server') as logs, \
            _service('Flink job server', command, logs / f'flink-job-server-{job_port}.log',
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
    with _log_dir(log_dir, 'beam-job-service') as logs, \
            _service('Beam job service', command, logs / f'beam-job-service-{port}.log',
                     lambda: port_open(port), timeout_seconds):
        yield f'localhost:{port}'


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
    java = _require('java')
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
            raise ServiceError(f'formatting the Kafka storage failed; last lines of {log}:\n{_tail(log)}')

        def ready() -> bool:
            return port_open(port) and 'Kafka Server started' in log.read_text(encoding='utf-8', errors='replace')

        with _service('Kafka broker', base + ['kafka.Kafka', str(properties)], log, ready, timeout_seconds):
            yield f'127.0.0.1:{port}'
