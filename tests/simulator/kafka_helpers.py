"""Reading topics back from the test broker, and preparing uuid-prefixed topics."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from vts.contract.topics import TOPIC_NAMES
from vts.kafka import admin


def fresh_prefix(bootstrap: str, partitions: int = 3) -> str:
    """A uuid topic prefix with the five topics created under it."""
    prefix = f"t{uuid.uuid4().hex[:12]}-"
    admin.create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=partitions)
    return prefix


def consume(
    bootstrap: str, prefix: str, expected: int, *, timeout: float = 90.0, **auth: Any
) -> dict[str, list[tuple[bytes, bytes]]]:
    """``{topic: [(key, value), ...]}`` from the prefixed topics, once ``expected`` messages
    arrived (or the timeout ran out), in partition order."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"g-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            **auth,
        }
    )
    consumer.subscribe([prefix + t for t in TOPIC_NAMES])
    found: defaultdict[str, list[tuple[bytes, bytes]]] = defaultdict(list)
    total = 0
    deadline = time.monotonic() + timeout
    try:
        while total < expected and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=10_000, timeout=1.0):
                err = msg.error()
                if err is not None:
                    assert err.code() == KafkaError._PARTITION_EOF, err
                    continue
                found[(msg.topic() or "").removeprefix(prefix)].append(
                    (msg.key() or b"", msg.value() or b"")
                )
                total += 1
        # nothing more than expected arrives
        for msg in consumer.consume(num_messages=10_000, timeout=1.0):
            if msg.error() is None:
                found[(msg.topic() or "").removeprefix(prefix)].append(
                    (msg.key() or b"", msg.value() or b"")
                )
    finally:
        consumer.close()
    return dict(found)


def read_to_end(
    bootstrap: str, prefix: str, *, committed: bool = True, timeout: float = 60.0
) -> dict[str, list[tuple[bytes, bytes]]]:
    """Every message of the prefixed topics, read until each partition reports its end:
    the high-water mark, or with ``committed`` (``read_committed``) the last stable offset,
    which an open transaction holds back. Partitions are assigned, not subscribed, so no
    group has to be formed first; fails if some partition never reports its end."""
    topics = [prefix + t for t in TOPIC_NAMES]
    partitions = admin.topic_partitions(bootstrap)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"g-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "isolation.level": "read_committed" if committed else "read_uncommitted",
        }
    )
    assigned = [
        TopicPartition(t, p, OFFSET_BEGINNING) for t in topics for p in range(partitions[t])
    ]
    consumer.assign(assigned)
    pending = {(tp.topic, tp.partition) for tp in assigned}
    found: defaultdict[str, list[tuple[bytes, bytes]]] = defaultdict(list)
    deadline = time.monotonic() + timeout
    try:
        while pending and time.monotonic() < deadline:
            for msg in consumer.consume(num_messages=10_000, timeout=1.0):
                err = msg.error()
                if err is not None:
                    assert err.code() == KafkaError._PARTITION_EOF, err
                    pending.discard((msg.topic() or "", msg.partition() or 0))
                    continue
                found[(msg.topic() or "").removeprefix(prefix)].append(
                    (msg.key() or b"", msg.value() or b"")
                )
    finally:
        consumer.close()
    assert not pending, f"no end reported in {timeout:.0f}s by {sorted(pending)}"
    return dict(found)
