"""Session-scoped local services for the runner tests: each starts at most once per pytest session.

A fixture skips its tests only when a tool the service needs (java, mvn, go) is not installed.
A failed download or a service that does not start is an error, with the end of its log.
The service logs stay in pytest's temporary directory (``service-logs*``) for inspection.
"""
import contextlib
import sys

import pytest

from pipeline import services


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
        yield _enter(stack, services.kafka_expansion_service(log_dir=service_logs), 'Kafka expansion service')


@pytest.fixture(scope='session', name='flink_endpoint')
def fixture_flink_endpoint(service_logs):
    with contextlib.ExitStack() as stack:
        yield _enter(stack, services.flink_job_server(log_dir=service_logs), 'Flink job server')


@pytest.fixture(scope='session', name='beam_job_endpoint')
def fixture_beam_job_endpoint(service_logs):
    with contextlib.ExitStack() as stack:
        yield _enter(stack, services.beam_job_service(python=sys.executable, log_dir=service_logs),
                     'Beam job service')


@pytest.fixture(scope='session', name='prism_location')
def fixture_prism_location():
    try:
        return services.prism_binary()
    except services.MissingTool as error:
        pytest.skip(f'Prism cannot be built here: {error}')
