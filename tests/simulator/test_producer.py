"""The producer with a fake librdkafka client: configuration, keys, backpressure, failures."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from simulator import EventBatch, generate
from simulator.exceptions import DeliveryFailedError, FlushTimeoutError, ProduceError
from simulator.outputs.producer import Producer, producer_config
from tests.simulator.conftest import SEED, START
from vts.contract.topics import topic
from vts.kafka.auth.scram import ScramAuth
from vts.kafka.exceptions import KafkaAuthError


class FakeMessage:
    def __init__(self, topic: str, value: bytes, key: bytes) -> None:
        self._topic, self.value, self.key = topic, value, key

    def topic(self) -> str:
        return self._topic

    def __len__(self) -> int:
        return len(self.value)


class FakeClient:
    """Queues up to ``capacity`` messages (``BufferError`` beyond); ``poll``/``flush``
    deliver them through the configured callback, failing topics listed in ``fail``."""

    def __init__(
        self, config: dict[str, Any], capacity: int = 10**9, fail: frozenset[str] = frozenset()
    ) -> None:
        self.config = config
        self.capacity = capacity
        self.fail = fail
        self.queue: list[FakeMessage] = []
        self.sent: list[FakeMessage] = []
        self.polls = 0
        self.stuck = 0  # messages flush cannot deliver

    def produce(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> None:
        if len(self.queue) >= self.capacity:
            raise BufferError("Local: Queue full")
        assert value is not None and key is not None
        self.queue.append(FakeMessage(topic, value, key))

    def _deliver(self) -> int:
        served = len(self.queue)
        only_errors = self.config.get("delivery.report.only.error", False)
        for msg in self.queue:
            err = (
                KafkaError(KafkaError._MSG_TIMED_OUT, "timed out")
                if msg.topic() in self.fail
                else None
            )
            if err is not None or not only_errors:
                self.config["on_delivery"](err, msg)
            self.sent.append(msg)
        self.queue.clear()
        return served

    def poll(self, timeout: float = 0.0) -> int:
        self.polls += 1
        return self._deliver()

    def flush(self, timeout: float = 0.0) -> int:
        self._deliver()
        return self.stuck

    # transactions: not used by these tests (a producer without a transactional.id)
    def init_transactions(self, timeout: float = 0.0) -> None:
        raise AssertionError("this fake does not do transactions")

    def begin_transaction(self) -> None:
        raise AssertionError("this fake does not do transactions")

    def commit_transaction(self, timeout: float = 0.0) -> None:
        raise AssertionError("this fake does not do transactions")

    def abort_transaction(self, timeout: float = 0.0) -> None:
        raise AssertionError("this fake does not do transactions")


def _producer(
    prefix: str = "", every_report: bool = False, **fake: Any
) -> tuple[Producer, Callable[[], FakeClient]]:
    made: list[FakeClient] = []

    def factory(config: dict[str, Any]) -> FakeClient:
        made.append(FakeClient(config, **fake))
        return made[0]

    config = producer_config("broker:9092")
    if every_report:
        config["delivery.report.only.error"] = False
    return Producer(config, topic_prefix=prefix, client_factory=factory), lambda: made[0]


@pytest.fixture(scope="module")
def window() -> dict[str, EventBatch]:
    return generate("city", SEED, START, 600, vehicles=20)


def test_config_is_idempotent_compressed_and_batched() -> None:
    config = producer_config("b1:9092,b2:9092")
    assert config["bootstrap.servers"] == "b1:9092,b2:9092"
    assert config["enable.idempotence"] is True and config["acks"] == "all"
    assert config["compression.type"] in ("lz4", "zstd")
    assert config["linger.ms"] >= 5 and config["batch.size"] >= 100_000
    assert config["security.protocol"] == "PLAINTEXT"


def test_config_takes_the_auth_settings_and_overrides() -> None:
    auth = ScramAuth("user", "secret", security_protocol="SASL_PLAINTEXT")
    config = producer_config("b:9096", auth, **{"linger.ms": 5})
    assert config["sasl.mechanisms"] == "SCRAM-SHA-512" and config["sasl.username"] == "user"
    assert config["security.protocol"] == "SASL_PLAINTEXT"
    assert config["linger.ms"] == 5


@pytest.mark.parametrize("every_report", [False, True])
def test_messages_are_keyed_by_their_entity(
    window: dict[str, EventBatch], every_report: bool
) -> None:
    producer, client = _producer(prefix="test-", every_report=every_report)
    produced = producer.produce_batches(window.values())
    report = producer.flush()
    assert produced == sum(len(b) for b in window.values()) == report.total_delivered
    assert {m.topic() for m in client().sent} == {f"test-{t}" for t in window}
    for msg in client().sent:
        name = msg.topic().removeprefix("test-")
        assert json.loads(msg.value)[topic(name).key_field] == msg.key.decode()
    assert report.delivered == {t: len(b) for t, b in window.items() if len(b)}
    assert report.bytes == sum(len(m) for m in client().sent)
    assert report.ok and report.total_failed == 0


def test_buffer_full_is_backpressure_not_an_error(window: dict[str, EventBatch]) -> None:
    producer, client = _producer(capacity=100)
    batch = window["vehicle_data"]
    producer.produce_batch(batch)
    report = producer.flush()
    assert report.backpressure_waits > 0
    assert report.delivered == {"vehicle_data": len(batch)}
    assert [m.value for m in client().sent] == batch.to_json_lines()  # nothing lost, in order


@pytest.mark.parametrize("every_report", [False, True])
def test_failed_deliveries_are_counted_per_topic(
    window: dict[str, EventBatch], every_report: bool
) -> None:
    producer, _ = _producer(prefix="p.", every_report=every_report, fail=frozenset({"p.gps_data"}))
    producer.produce_batches(window.values())
    report = producer.flush()
    assert report.failed == {"gps_data": len(window["gps_data"])}
    assert report.delivered["vehicle_data"] == len(window["vehicle_data"])
    assert "gps_data" not in report.delivered and "timed out" in (report.first_error or "")
    assert {r["topic"]: r["failed"] for r in report.rows()}["gps_data"] == len(window["gps_data"])
    with pytest.raises(DeliveryFailedError) as info:
        producer.raise_for_failures(report)
    assert "gps_data" in str(info.value) and "what to do" in str(info.value)


def test_report_reset_starts_counting_afresh(window: dict[str, EventBatch]) -> None:
    producer, _ = _producer()
    n = len(window["weather_data"])
    producer.produce_batch(window["weather_data"])
    producer.flush()
    assert producer.report(reset=True).total_delivered == n
    assert producer.report().total_delivered == 0
    producer.produce_batch(window["weather_data"])
    assert producer.flush().total_delivered == n


def test_undelivered_messages_after_flush_raise(window: dict[str, EventBatch]) -> None:
    producer, client = _producer()
    producer.produce_batch(window["weather_data"])
    client().stuck = 3
    with pytest.raises(FlushTimeoutError) as info:
        producer.flush(timeout_s=0.1)
    assert info.value.remaining == 3 and "broker:9092" in str(info.value)


def test_context_manager_flushes(window: dict[str, EventBatch]) -> None:
    producer, client = _producer()
    with producer:
        producer.produce_batch(window["traffic_data"])
    assert len(client().sent) == len(window["traffic_data"]) > 0


def test_authentication_errors_surface_with_a_hint(window: dict[str, EventBatch]) -> None:
    producer, client = _producer()
    client().config["error_cb"](KafkaError(KafkaError._AUTHENTICATION, "SASL authentication error"))
    with pytest.raises(KafkaAuthError) as info:
        producer.produce_batch(window["weather_data"])
    assert "SASL authentication error" in str(info.value)


def test_a_refused_message_names_the_topic() -> None:
    class Refusing(FakeClient):
        def produce(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> None:
            raise KafkaException(KafkaError(KafkaError._UNKNOWN_TOPIC, "Unknown topic"))

    producer = Producer(producer_config("b:1"), topic_prefix="x-", client_factory=Refusing)
    with pytest.raises(ProduceError) as info:
        producer.produce_values("x-gps_data", [b"{}"], [b"k"])
    assert "x-gps_data" in str(info.value) and "create the topics" in str(info.value)
