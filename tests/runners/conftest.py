"""Session-scoped local services for the runner tests: each starts at most once per pytest session.

A fixture skips its tests only when a tool the service needs (java, mvn, go) is not installed.
A failed download or a service that does not start is an error, with the end of its log.
The service logs stay in pytest's temporary directory (``service-logs*``) for inspection.
"""
import contextlib
import sys

import pytest

from pipeline import components
from pipeline.main import run
from pipeline.services import kafka_expansion_service
from tests import services
from tests.conftest import SEEDS


def _enter(stack: contextlib.ExitStack, service, what: str):
    try:
        return stack.enter_context(service)
    except services.MissingTool as error:
        pytest.skip(f'{what} cannot run here: {error}')


@pytest.fixture(scope='session', name='service_logs')
def fixture_service_logs(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp('service-logs'))


@pytest.fixture(scope='session', name='kafka_bootstrap')
def fixture_kafka_bootstrap(service_logs):
    with contextlib.ExitStack() as stack:
        yield _enter(stack, services.kafka_broker(log_dir=service_logs), 'Kafka broker')


@pytest.fixture(scope='session', name='kafka_expansion')
def fixture_kafka_expansion(service_logs):
    with contextlib.ExitStack() as stack:
        yield _enter(stack, kafka_expansion_service(log_dir=service_logs), 'Kafka expansion service')


@pytest.fixture(scope='session', name='flink_endpoint')
def fixture_flink_endpoint(service_logs):
    with contextlib.ExitStack() as stack:
        yield _enter(stack, services.flink_job_server(log_dir=service_logs), 'Flink job server')


@pytest.fixture(scope='session', name='beam_job_endpoint')
def fixture_beam_job_endpoint(service_logs):
    with contextlib.ExitStack() as stack:
        yield _enter(stack, services.beam_job_service(python=sys.executable, log_dir=service_logs),
                     'Beam job service')


@pytest.fixture(scope='session', name='rest_catalog')
def fixture_rest_catalog(service_logs, tmp_path_factory):
    """An Iceberg REST catalog server, with its own catalog database and warehouse folder."""
    root = str(tmp_path_factory.mktemp('rest-catalog'))
    with contextlib.ExitStack() as stack:
        yield _enter(stack, services.iceberg_rest_catalog(root, log_dir=service_logs), 'Iceberg REST catalog')


@pytest.fixture(scope='session', name='prism_location')
def fixture_prism_location():
    try:
        return components.prism_binary()
    except services.MissingTool as error:
        pytest.skip(f'Prism cannot be built here: {error}')


@pytest.fixture(scope='session', name='reference')
def fixture_reference(tmp_path_factory):
    """A run on the seeds with the defaults (FnApiRunner, the SQLite catalog): (warehouse root, summary)."""
    root = tmp_path_factory.mktemp('fnapi')
    return root, run(['--input', str(SEEDS / 'articles' / '*'), '--output', str(root)])
