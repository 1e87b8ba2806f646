"""The Kafka IO expansion service that ``newsbeam run --streaming --kafka-topic`` starts, and the means to
run a local service: a free port, readiness, a log, and stopping it with its whole process group.

    with kafka_expansion_service() as expansion:
        ...  # ReadFromKafka(..., expansion_service=expansion) on Prism or Flink

``kafka_expansion_service`` is Beam's Java expansion service with KafkaIO and a loopback Java worker
on the same port, so the Kafka read runs without Docker on any portable runner.  Its jars are
fetched once by ``pipeline/components`` (package data, so an installed newsbeam does the same as a
checkout).  The services only tests use (a Kafka broker, the Flink job server, Beam's job service,
an Iceberg REST catalog, Spark) are in ``tests/services.py``, built on ``service`` here.

A service listens on a free port (unless told one), is ready when the context is entered, and is
killed with its whole process group on exit (and gets SIGTERM if the process that started it dies
first).  One that fails to start raises ``ServiceError`` with the end of its log; ``MissingTool`` (a
subclass) means java or mvn is not installed, in one line.

This module imports nothing from Beam.
"""
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
from typing import Callable, Iterator, List, Mapping, Optional

from pipeline.components import LOG_TAIL_LINES, MissingTool, ServiceError, java_libs, require

__all__ = ['MissingTool', 'ServiceError', 'free_port', 'port_open', 'tail', 'java_command', 'log_folder', 'service', 'jar',
           'kafka_expansion_service']


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


def tail(path: pathlib.Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return ''.join(handle.readlines()[-lines:])
    except OSError:
        return '(no log)'


def java_command(needed_for: str) -> str:
    """The java command, for a service."""
    return require('java', 'a Java 17 runtime', needed_for)


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
def log_folder(kept: Optional[str], name: str) -> Iterator[pathlib.Path]:
    """The given log directory (kept), or a temporary one removed when the service stops."""
    if kept:
        path = pathlib.Path(kept)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    path = pathlib.Path(tempfile.mkdtemp(prefix=f'newsbeam-{name}-'))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def service(name: str, command: List[str], log: pathlib.Path, ready: Callable[[], bool],
            timeout_seconds: float, cwd: Optional[pathlib.Path] = None,
            env: Optional[Mapping[str, str]] = None) -> Iterator[subprocess.Popen]:
    """Starts ``command`` in its own process group, waits until ``ready()``, stops it on exit."""
    with open(log, 'ab') as handle:
        # Its own process group, so that stopping it reaches the workers it starts; and it dies
        # with the thread that started it: start services from a thread that outlives them.
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=cwd, env=None if env is None else dict(env), start_new_session=True,
                                   preexec_fn=_die_with_parent)
    try:
        deadline = time.monotonic() + timeout_seconds
        while not ready():
            if process.poll() is not None:
                raise ServiceError(f'{name} exited with status {process.returncode} while starting; '
                                   f'last lines of {log}:\n{tail(log)}')
            if time.monotonic() > deadline:
                raise ServiceError(f'{name} not ready after {timeout_seconds:.0f} s; last lines of {log}:\n'
                                   f'{tail(log)}')
            time.sleep(0.2)
        yield process
    finally:
        _stop(process)


def jar(lib: pathlib.Path, prefix: str) -> pathlib.Path:
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
    java = java_command('the Kafka IO expansion service of --kafka-topic')
    lib = java_libs('kafka-expansion')
    port = port or free_port()
    address = f'localhost:{port}'
    command = [java, f'-javaagent:{jar(lib, "jamm")}', '-cp', f'{lib}/*',
               'org.apache.beam.sdk.expansion.service.ExpansionService', str(port),
               '--javaClassLookupAllowlistFile=*', '--alsoStartLoopbackWorker',
               '--defaultEnvironmentType=EXTERNAL', f'--defaultEnvironmentConfig={address}']
    with log_folder(log_dir, 'kafka-expansion') as logs, \
            service('Kafka expansion service', command, logs / f'kafka-expansion-{port}.log',
                    lambda: port_open(port), timeout_seconds):
        yield address
