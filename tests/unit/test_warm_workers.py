"""Local SDK workers forked from a warm zygote: what they inherit, how they end, when a run uses them."""
import os
import socket
import sys
import time

import apache_beam as beam
import pytest
from apache_beam.internal.cloudpickle import cloudpickle
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipeline.main import _forks_warm_workers, _runner
from pipeline.options import NewsPipelineOptions
from pipeline.warm_workers import WarmWorkerRunner, WarmWorkers, pidfds_supported
from pipeline.worker_client import LENGTH, request_worker
from transforms.nlp.model import DEFAULT_MODEL, load_ner

TWO_PROCESSES = ['--direct_num_workers=2', '--direct_running_mode=multi_processing']
pytestmark = pytest.mark.skipif(not pidfds_supported(), reason='the zygote watches its workers through pidfds (Linux)')
# The worker processes cannot import this test module: its DoFn travels by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class _WorkerFn(beam.DoFn):
    """Yields (parent pid, whether the NER model was loaded before this worker's first bundle)."""

    def setup(self):
        self._loaded = load_ner.cache_info().currsize > 0

    def process(self, _):
        yield os.getppid(), self._loaded


def _run_on(runner, expected):
    with beam.Pipeline(runner=runner, options=PipelineOptions(TWO_PROCESSES)) as p:
        where = p | beam.Create(range(6)) | beam.ParDo(_WorkerFn())
        assert_that(where, equal_to(expected))


def _children(pid: int) -> list:
    with open(f'/proc/{pid}/task/{pid}/children', encoding='ascii') as handle:
        return handle.read().split()


def _wait_for(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_workers_are_forks_of_the_zygote_with_the_model_already_loaded():
    with WarmWorkers(DEFAULT_MODEL) as warm:
        _run_on(WarmWorkerRunner(warm.command), [(warm.pid, True)] * 6)


def test_without_a_zygote_the_worker_command_starts_a_cold_worker(tmp_path):
    command = f'{sys.executable} -m pipeline.worker_client {tmp_path / "no-zygote"}'
    with beam.Pipeline(runner=WarmWorkerRunner(command), options=PipelineOptions(TWO_PROCESSES)) as p:
        loaded = p | beam.Create(range(6)) | beam.ParDo(_WorkerFn()) | beam.MapTuple(lambda _, was: was)
        assert_that(loaded, equal_to([False] * 6))


def test_the_worker_command_exits_with_its_workers_status_and_the_zygote_with_its_launcher():
    with WarmWorkers(DEFAULT_MODEL) as warm:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(warm.socket_path)
            client.sendall(LENGTH.pack(5) + b'[1, 2')
            assert client.recv(4) == b''  # not a request: refused, and the zygote serves on
        # No control endpoint, no pipeline options: Beam's worker main fails at once.
        assert request_worker(warm.socket_path, {'PATH': os.environ['PATH']}) == 1
        zygote = warm.pid
    assert not os.path.exists(warm.socket_path)
    assert _wait_for(lambda: not os.path.exists(f'/proc/{zygote}'))


def test_a_worker_whose_command_has_gone_is_killed():
    with WarmWorkers(DEFAULT_MODEL) as warm:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(warm.socket_path)
        # A control endpoint nobody serves: the worker waits for it.
        payload = (b'{"CONTROL_API_SERVICE_DESCRIPTOR": "url: \\"localhost:9\\"", '
                   b'"PIPELINE_OPTIONS": "{\\"options\\": {}}"}')
        client.sendall(LENGTH.pack(len(payload)) + payload)
        assert _wait_for(lambda: len(_children(warm.pid)) == 1)
        worker = _children(warm.pid)[0]
        client.close()
        assert _wait_for(lambda: not _children(warm.pid))
        assert not os.path.exists(f'/proc/{worker}')


@pytest.mark.parametrize('extra, forks', [
    ([], True),
    (['--cold_worker_processes'], False),
    (['--direct_num_workers=1'], False),
    (['--direct_running_mode=multi_threading'], False),
    (['--runner=DataflowRunner'], False),
])
def test_which_runs_fork_warm_workers(extra, forks):
    options = PipelineOptions(['--runner=FnApiRunner', *TWO_PROCESSES, *extra])
    assert _forks_warm_workers(options, options.view_as(NewsPipelineOptions)) is forks


def test_only_jobs_on_local_worker_processes_get_the_warm_runner():
    command = f'{sys.executable} -m pipeline.worker_client /run/zygote'
    assert isinstance(_runner(PipelineOptions(['--runner=FnApiRunner', *TWO_PROCESSES]), command), WarmWorkerRunner)
    assert _runner(PipelineOptions(['--runner=FnApiRunner', '--direct_num_workers=1']), command) is None
    assert _runner(PipelineOptions(['--runner=FnApiRunner', *TWO_PROCESSES]), None) is None
