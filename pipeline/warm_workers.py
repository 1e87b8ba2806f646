"""Local SDK worker processes forked from a warm parent instead of started cold.

With ``--direct_running_mode=multi_processing`` Beam starts each SDK worker as a new
Python process (``python -m apache_beam.runners.worker.sdk_worker_main``) that imports
Beam, spaCy and newsbeam (3.3 s here) and loads the models (0.9 s) before its first
article, after the main pass has started.  Here one parent process (the zygote) pays
that once, on the other core while the launching process runs pass 1, and each worker
is a ``fork`` of it that starts with everything loaded (the model's pages shared
copy-on-write).

Beam still runs the worker command of a ``SubprocessSDKEnvironment``; that command is
a small client (``python -m pipeline.worker_client SOCKET``, which imports
nothing heavy) that hands its environment to the zygote over a Unix socket and exits
with the status of the worker forked for it.  The zygote never starts a gRPC channel
or Python thread of its own, so forking it is safe; it exits when the launching
process closes its stdin, and kills a worker whose client has gone.
"""
import json
import logging
import os
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from typing import Dict

from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.runners.worker import sdk_worker_main
from apache_beam.transforms.environments import SubprocessSDKEnvironment

from pipeline import worker_client

_LOG = logging.getLogger(__name__)
_EXIT_SECONDS = 2


def pidfds_supported() -> bool:
    """Whether this system can watch a child's exit through a pidfd (Linux 5.3 and later), as the zygote does."""
    try:
        os.close(os.pidfd_open(os.getpid()))
        return True
    except (AttributeError, OSError):
        return False


def warm(model: str) -> None:
    """Imports what an SDK worker imports and loads what its first bundle would load."""
    # pylint: disable=import-outside-toplevel,unused-import
    import pipeline.build  # every transform module a worker unpickles
    from transforms.nlp.gazetteer import gazetteer
    from transforms.nlp.model import load_ner, load_parser
    load_ner(model)
    load_parser(model)
    gazetteer()


def _run_worker(environment: Dict[str, str]) -> int:
    """In the forked child: Beam's SDK worker main, as ``sdk_worker_main`` would run it."""
    os.environ.clear()
    os.environ.update(environment)
    with open(os.devnull, 'rb') as nothing:
        os.dup2(nothing.fileno(), sys.stdin.fileno())
    try:
        sdk_worker_main.main([])
        return 0
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()
        return 1
    finally:
        # os._exit follows, which flushes nothing.
        sys.stdout.flush()
        sys.stderr.flush()


class _Zygote:
    """Accepts worker requests on a Unix socket; forks a warm worker for each."""

    def __init__(self, listener: socket.socket):
        self._listener = listener
        self._selector = selectors.DefaultSelector()
        self._selector.register(listener, selectors.EVENT_READ, ('accept', None))
        self._selector.register(sys.stdin, selectors.EVENT_READ, ('launcher', None))
        self._workers: Dict[int, socket.socket] = {}   # pid -> its client's connection

    def serve(self) -> None:
        while True:
            for key, _ in self._selector.select():
                kind, detail = key.data
                if kind == 'launcher':
                    if not os.read(sys.stdin.fileno(), 4096):
                        self._stop()
                        return
                elif kind == 'accept':
                    self._start_worker()
                elif kind == 'exited':
                    self._report(key.fileobj, detail)
                else:  # the client hung up before its worker ended
                    self._selector.unregister(key.fileobj)
                    os.kill(detail, signal.SIGKILL)

    def _start_worker(self) -> None:
        conn, _ = self._listener.accept()
        length = worker_client.receive_exactly(conn, worker_client.LENGTH.size)
        payload = length and worker_client.receive_exactly(conn, worker_client.LENGTH.unpack(length)[0])
        try:
            environment = json.loads(payload) if payload else None
        except ValueError:
            environment = None
        if not isinstance(environment, dict):
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self._selector.close()
            for fileobj in (self._listener, conn, *self._workers.values()):
                fileobj.close()
            os._exit(_run_worker(environment))  # pylint: disable=protected-access
        self._workers[pid] = conn
        self._selector.register(os.pidfd_open(pid), selectors.EVENT_READ, ('exited', pid))
        self._selector.register(conn, selectors.EVENT_READ, ('client', pid))

    def _report(self, pidfd: int, pid: int) -> None:
        self._selector.unregister(pidfd)
        os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        conn = self._workers.pop(pid)
        try:
            self._selector.unregister(conn)
        except KeyError:  # its client hung up earlier
            pass
        try:
            conn.sendall(worker_client.STATUS.pack(os.waitstatus_to_exitcode(status)))
        except OSError:
            pass
        conn.close()

    def _stop(self) -> None:
        for pid in self._workers:
            os.kill(pid, signal.SIGKILL)
        for pid in self._workers:
            os.waitpid(pid, 0)


def serve(listener: socket.socket, model: str) -> None:
    """The zygote: warm up, then fork a worker for each request (requests queue on the listener meanwhile)."""
    try:
        warm(model)
    except Exception:  # pylint: disable=broad-except
        # Only an optimisation: a cold worker imports and loads what it needs itself.
        _LOG.warning('warm worker parent could not preload; workers start cold', exc_info=True)
    _Zygote(listener).serve()


class WarmWorkerRunner(FnApiRunner):
    """The local FnApiRunner, with SDK worker processes forked by a zygote (``WarmWorkers.command``)."""

    def __init__(self, worker_command: str):
        super().__init__(default_environment=SubprocessSDKEnvironment.from_command_string(worker_command))

    def run_pipeline(self, pipeline, options):
        direct = options.view_as(DirectOptions)
        mode = direct.direct_running_mode
        # Under 'multi_processing' FnApiRunner would put back Beam's own worker command.
        direct.direct_running_mode = None
        try:
            return super().run_pipeline(pipeline, options)
        finally:
            direct.direct_running_mode = mode


class WarmWorkers:
    """Context manager: a running zygote and the worker command line that uses it."""

    def __init__(self, model: str):
        self._model = model
        self._folder = None
        self._process = None
        self.socket_path = None
        self.command = None

    @property
    def pid(self) -> int:
        return self._process.pid

    def __enter__(self) -> 'WarmWorkers':
        self._folder = tempfile.TemporaryDirectory(prefix='newsbeam-workers-')
        self.socket_path = os.path.join(self._folder.name, 'zygote')
        # Listening before the zygote starts: a worker asked for at once waits in the backlog.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(self.socket_path)
            listener.listen()
            self._process = subprocess.Popen(
                [sys.executable, '-m', __name__, str(listener.fileno()), self._model],
                stdin=subprocess.PIPE, pass_fds=[listener.fileno()])
        self.command = ' '.join(shlex.quote(part)
                                for part in (sys.executable, '-m', worker_client.__name__, self.socket_path))
        return self

    def __exit__(self, *exc_info) -> None:
        # End of input: the zygote stops its workers (the jobs are over, so there should be none) and exits;
        # one still warming up reads its stdin only afterwards, and is killed.
        self._process.stdin.close()
        try:
            self._process.wait(timeout=_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._folder.cleanup()


if __name__ == '__main__':
    logging.basicConfig(level=logging.WARNING)
    serve(socket.socket(fileno=int(sys.argv[1])), sys.argv[2])
    # Tearing down the loaded models would only delay the launching process, which waits for this one.
    os._exit(0)  # pylint: disable=protected-access
