"""Producing to a local Kafka broker: vts's producer against the tutorial's way.

The same events (one 60-second window of a 10,000-vehicle fleet) go to the same broker in
the same run: first through ``simulator.outputs.producer.Producer`` (idempotent, lz4, batched,
keyed; JSON encoding included in the time), then a sample of them the tutorial's way (a
default confluent-kafka producer, one message at a time, each followed by a synchronous
``flush()``). The ratio compares events per second.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from confluent_kafka import Producer as KafkaProducer

from bench.context import BenchContext
from simulator import generate
from simulator.outputs.producer import Producer
from vts.contract.topics import TOPIC_NAMES
from vts.kafka.admin import create_topics

TARGET_EVENTS_PER_S = 300_000
TARGET_RATIO = 100
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _tutorial(bootstrap: str, prefix: str, events: list[tuple[str, dict[str, Any]]]) -> float:
    """Seconds to send ``events`` as the tutorial does: ``json.dumps`` each, key it by its
    own id, produce it, and ``flush()`` before the next one."""
    producer = KafkaProducer({"bootstrap.servers": bootstrap})
    failures: list[Any] = []

    def delivered(err: Any, msg: Any) -> None:
        if err is not None:
            failures.append(err)

    started = time.perf_counter()
    for topic, record in events:
        value = json.dumps(record, default=str).encode("utf-8")
        producer.produce(prefix + topic, key=record["event_id"], value=value, on_delivery=delivered)
        producer.flush()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"the tutorial-style producer failed {len(failures)}: {failures[0]}")
    return elapsed


def run(ctx: BenchContext) -> dict[str, Any]:
    vehicles = 2_000 if ctx.quick else 10_000
    sample = 300 if ctx.quick else 2_000
    bootstrap = ctx.kafka_bootstrap()
    prefix = f"bench{uuid.uuid4().hex[:8]}-"
    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    batches = generate("city", 1, START, 60, vehicles=vehicles)
    events = sum(len(b) for b in batches.values())

    # warm-up on the window before: connections, producer id, metadata, the broker's JIT
    warm_up = generate("city", 1, START - timedelta(seconds=60), 60, vehicles=vehicles)
    with Producer.connect(bootstrap, topic_prefix=prefix) as warm:
        warm.produce_batches(warm_up.values())

    producer = Producer.connect(bootstrap, topic_prefix=prefix)
    started = time.perf_counter()
    producer.produce_batches(batches.values())
    report = producer.close()
    fast_s = time.perf_counter() - started
    if not report.ok or report.total_delivered != events:
        raise RuntimeError(f"delivered {report.total_delivered} of {events}: {report.first_error}")
    fast_rate = events / fast_s
    ctx.say(f"produce: {fast_rate:,.0f} events/s ({events:,} events, {fast_s:.2f}s)")

    # the tutorial's way, on a sample of the same events: every topic, then vehicle_data
    per_topic = max(1, sample // len(TOPIC_NAMES))
    events_sample: list[tuple[str, dict[str, Any]]] = []
    for topic, batch in batches.items():
        events_sample += [(topic, r) for r in batch.take(slice(0, per_topic)).to_records()]
    more = batches["vehicle_data"].take(slice(per_topic, per_topic + sample - len(events_sample)))
    events_sample += [("vehicle_data", r) for r in more.to_records()]
    slow_s = _tutorial(bootstrap, prefix, events_sample)
    messages = events_sample
    slow_rate = len(messages) / slow_s
    ratio = fast_rate / slow_rate
    ctx.say(
        f"tutorial way: {slow_rate:,.0f} events/s ({len(messages)} events); ratio {ratio:,.0f}x"
    )
    return {
        "vehicles": vehicles,
        "events": events,
        "bytes": report.bytes,
        "seconds": round(fast_s, 3),
        "events_per_s": round(fast_rate),
        "mb_per_s": round(report.bytes / fast_s / 1e6, 1),
        "backpressure_waits": report.backpressure_waits,
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "target_met": fast_rate >= TARGET_EVENTS_PER_S,
        "tutorial_events": len(messages),
        "tutorial_seconds": round(slow_s, 3),
        "tutorial_events_per_s": round(slow_rate, 1),
        "ratio": round(ratio, 1),
        "target_ratio": TARGET_RATIO,
        "ratio_met": ratio >= TARGET_RATIO,
        "config": "enable.idempotence, acks=all, lz4, linger.ms=50, batch.size=1MB, 3 partitions",
    }
