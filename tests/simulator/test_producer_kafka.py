"""The producer against the real local broker: every event arrives once, keyed, intact."""

from __future__ import annotations

import json

import pytest

from simulator import generate
from simulator.outputs.producer import Producer
from tests.fixtures.kafka import KafkaBroker
from tests.simulator.conftest import SEED, START
from tests.simulator.kafka_helpers import consume, fresh_prefix
from vts.contract.topics import topic

pytestmark = pytest.mark.integration


def test_a_window_arrives_exactly_keyed_by_entity(kafka_broker: KafkaBroker) -> None:
    prefix = fresh_prefix(kafka_broker.bootstrap)
    batches = generate("city", SEED, START, 120, vehicles=150)
    expected = {
        t: sorted(zip(b.keys.tolist(), b.to_json_lines(), strict=True)) for t, b in batches.items()
    }
    with Producer.connect(kafka_broker.bootstrap, topic_prefix=prefix) as producer:
        producer.produce_batches(batches.values())
    report = producer.report()
    total = sum(len(b) for b in batches.values())
    assert report.total_delivered == total and report.total_failed == 0
    assert report.delivered == {t: len(b) for t, b in batches.items() if len(b)}

    received = consume(kafka_broker.bootstrap, prefix, total)
    for t, pairs in expected.items():
        assert sorted(received.get(t, [])) == pairs, t
        for key, value in received.get(t, [])[:50]:
            assert json.loads(value)[topic(t).key_field] == key.decode()


def test_each_vehicle_stays_in_order_within_its_partition(kafka_broker: KafkaBroker) -> None:
    prefix = fresh_prefix(kafka_broker.bootstrap)
    batches = generate("city", SEED, START, 30, vehicles=40)
    with Producer.connect(kafka_broker.bootstrap, topic_prefix=prefix) as producer:
        producer.produce_batch(batches["gps_data"])
    received = consume(kafka_broker.bootstrap, prefix, len(batches["gps_data"]))
    last: dict[bytes, str] = {}
    for key, value in received["gps_data"]:  # consume() keeps each partition's order
        ts = json.loads(value)["ts"]
        assert ts > last.get(key, ""), key
        last[key] = ts
    assert len(last) == 40
