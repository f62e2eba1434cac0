"""vts.kafka.admin: readiness, topics and SCRAM users; against the real local broker where
marked ``integration``."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer

from tests.fixtures.kafka import KafkaBroker, TopicFactory
from vts.kafka import admin
from vts.kafka.auth import KafkaAuth, get_auth
from vts.kafka.auth.scram import ScramAuth
from vts.kafka.exceptions import KafkaAuthError, KafkaUnavailableError
from vts.local.kafka_config import free_port


class _Stop(Exception):
    pass


def test_retention_config() -> None:
    assert admin.retention_config(24) == {"retention.ms": "86400000"}
    assert admin.retention_config(0.5) == {"retention.ms": "1800000"}
    with pytest.raises(ValueError, match="positive"):
        admin.retention_config(0)


def test_nothing_listening_is_unavailable_with_a_hint() -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    with pytest.raises(KafkaUnavailableError) as info:
        admin.wait_until_ready(bootstrap, timeout=1.0)
    assert bootstrap in str(info.value)
    assert "vts local status" in str(info.value)


def test_check_callback_can_stop_the_wait() -> None:
    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        raise _Stop

    with pytest.raises(_Stop):
        admin.wait_until_ready(f"127.0.0.1:{free_port()}", timeout=60.0, check=check)
    assert calls == [1]


def _round_trip(
    bootstrap: str, auth: KafkaAuth, topic: str, count: int = 20
) -> list[tuple[Any, Any]]:
    producer = Producer({"bootstrap.servers": bootstrap, **auth.producer_config()})
    sent = [(f"k{i % 4}".encode(), f"v{i}".encode()) for i in range(count)]
    for key, value in sent:
        producer.produce(topic, key=key, value=value)
    assert producer.flush(30) == 0
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            **auth.producer_config(),
            "group.id": f"test-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    consumer.subscribe([topic])
    received: list[tuple[Any, Any]] = []
    deadline = time.monotonic() + 60
    try:
        while len(received) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            received.append((msg.key(), msg.value()))
    finally:
        consumer.close()
    assert sorted(received) == sorted(sent)
    return received


@pytest.mark.integration
def test_create_topics_is_idempotent(kafka_broker: KafkaBroker) -> None:
    name = f"admin-{uuid.uuid4().hex}"
    retention = admin.retention_config(2)
    assert admin.create_topics(kafka_broker.bootstrap, [name], partitions=2, config=retention) == {
        name: True
    }
    assert admin.create_topics(kafka_broker.bootstrap, [name], partitions=2) == {name: False}
    assert admin.topic_partitions(kafka_broker.bootstrap)[name] == 2


@pytest.mark.integration
def test_kafka_topics_fixture_makes_uuid_topics(
    kafka_broker: KafkaBroker, kafka_topics: TopicFactory
) -> None:
    first, second = kafka_topics(), kafka_topics("gps_data", partitions=1)
    assert set(first) == {
        "vehicle_data",
        "gps_data",
        "traffic_data",
        "weather_data",
        "emergency_data",
    }
    assert first["gps_data"] != second["gps_data"]
    partitions = admin.topic_partitions(kafka_broker.bootstrap)
    assert partitions[first["gps_data"]] == 3 and partitions[second["gps_data"]] == 1


@pytest.mark.integration
def test_plaintext_round_trip(kafka_broker: KafkaBroker, kafka_topics: TopicFactory) -> None:
    topic = kafka_topics("vehicle_data")["vehicle_data"]
    _round_trip(kafka_broker.bootstrap, get_auth("plaintext"), topic)


@pytest.mark.integration
def test_scram_round_trip_with_the_right_password(
    kafka_broker: KafkaBroker, kafka_topics: TopicFactory
) -> None:
    topic = kafka_topics("gps_data")["gps_data"]
    auth = get_auth(
        "scram",
        username=kafka_broker.scram_username,
        password=kafka_broker.scram_password,
        security_protocol="SASL_PLAINTEXT",
    )
    assert admin.wait_until_ready(kafka_broker.scram_bootstrap, auth, timeout=30) == 1
    _round_trip(kafka_broker.scram_bootstrap, auth, topic)


@pytest.mark.integration
def test_scram_wrong_password_fails_clearly(kafka_broker: KafkaBroker) -> None:
    auth = kafka_broker.scram_auth(password="not-the-password")  # noqa: S106 - test value
    with pytest.raises(KafkaAuthError) as info:
        admin.wait_until_ready(kafka_broker.scram_bootstrap, auth, timeout=30)
    message = str(info.value)
    assert message.startswith("authentication failed")
    assert kafka_broker.scram_bootstrap in message
    assert f"user {kafka_broker.scram_username!r}" in message
    assert "check the password" in message  # what to check next
    assert "not-the-password" not in message


@pytest.mark.integration
def test_scram_unknown_user_fails_clearly(kafka_broker: KafkaBroker) -> None:
    auth = ScramAuth("nobody", "pw", security_protocol="SASL_PLAINTEXT")
    with pytest.raises(KafkaAuthError, match="user exists on the cluster"):
        admin.wait_until_ready(kafka_broker.scram_bootstrap, auth, timeout=30)


@pytest.mark.integration
def test_upserted_scram_user_can_log_in(kafka_broker: KafkaBroker) -> None:
    name, password = f"u-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin.upsert_scram_users(kafka_broker.bootstrap, {name: password})
    auth = ScramAuth(name, password, security_protocol="SASL_PLAINTEXT")
    deadline = time.monotonic() + 30
    while True:  # the new credential reaches the listener through the metadata log
        try:
            assert admin.wait_until_ready(kafka_broker.scram_bootstrap, auth, timeout=10) == 1
            break
        except KafkaAuthError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
