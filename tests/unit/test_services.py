"""Unit tests for the pure parts of pipeline.services (the services themselves run in tests/runners)."""

import base64
import uuid

from pipeline import services


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
