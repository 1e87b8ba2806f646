"""Fetching the pinned components (pipeline/components, tests/services.py) and the pure parts of the
services; the services themselves run in tests/runners."""
import base64
import uuid

import pytest

from pipeline import components
from tests import services


def test_kafka_cluster_id_is_an_unpadded_url_safe_uuid():
    cluster_id = services.kafka_cluster_id()

    assert len(cluster_id) == 22
    assert uuid.UUID(bytes=base64.urlsafe_b64decode(cluster_id + '==')).version == 4


def test_kafka_cluster_id_never_starts_with_a_dash(monkeypatch):
    # 0xF8 in the first byte encodes as '-', which the storage tool's command line reads as an option.
    drawn = iter([uuid.UUID(bytes=b'\xf8' + b'\x00' * 15), uuid.UUID(bytes=b'\x08' + b'\x00' * 15)])
    monkeypatch.setattr(services.uuid, 'uuid4', lambda: next(drawn))

    assert base64.urlsafe_b64encode(b'\xf8').decode().startswith('-')
    assert services.kafka_cluster_id() == 'CAAAAAAAAAAAAAAAAAAAAA'


@pytest.fixture(name='no_tools')
def fixture_no_tools(monkeypatch, tmp_path):
    """A cache of its own and a PATH without mvn, go or java."""
    monkeypatch.setenv('NEWSBEAM_CACHE', str(tmp_path / 'cache'))
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    return tmp_path / 'cache'


@pytest.mark.parametrize('fetch, tool', [(lambda: components.java_libs('kafka-expansion'), 'mvn'),
                                         (components.prism_binary, 'go')])
def test_a_missing_tool_is_one_line_naming_what_to_install(fetch, tool, no_tools):
    with pytest.raises(components.MissingTool) as raised:
        fetch()
    message = str(raised.value)
    assert '\n' not in message and message.startswith(f'{tool} not found on PATH: install ')
    # Nothing that looks made was left behind: the next try with the tool makes it.
    assert not list(no_tools.rglob('*.stamp'))


def test_a_component_is_made_once_until_its_pins_change(tmp_path):
    pin = tmp_path / 'pin.txt'
    pin.write_text('v1')
    made = []

    def make(target):
        made.append(pin.read_text())
        target.write_text(pin.read_text())

    target = tmp_path / 'cache' / 'thing'
    for _ in range(2):
        assert components.made_once(target, [pin], make).read_text() == 'v1'
    pin.write_text('v2')
    assert components.made_once(target, [pin], make).read_text() == 'v2'
    assert made == ['v1', 'v2']


def test_a_failed_make_is_made_again_from_scratch(tmp_path):
    pin = tmp_path / 'pin.txt'
    pin.write_text('v1')
    target = tmp_path / 'cache' / 'folder'

    def fail(folder):
        folder.mkdir()
        (folder / 'half.jar').write_text('')
        raise components.ServiceError('download refused')

    with pytest.raises(components.ServiceError):
        components.made_once(target, [pin], fail)
    components.made_once(target, [pin], lambda folder: folder.mkdir())
    assert list(target.iterdir()) == []


def test_the_package_carries_its_pins():
    # What an installed newsbeam needs to fetch the Kafka expansion service and build Prism.
    for pin in ('kafka-expansion/pom.xml', 'maven-settings.xml', 'prism/go.mod', 'prism/go.sum'):
        assert (components.HERE / pin).is_file(), pin
    assert components.prism_version() == '2.70.0'


def test_fetch_names_the_components_it_knows(capsys):
    assert services.main(['fetch', 'kafka']) == 2
    assert 'one of: kafka-expansion, prism, kafka-broker, flink-job-server, iceberg-rest, spark' in (
        capsys.readouterr().err)
