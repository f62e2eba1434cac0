"""Messages and MSK events for the live path's tests."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.contract.corpus import valid_record
from vts.contract.events import EVENT_TYPES
from vts.contract.reader import MessageReader
from vts.live.coalesce import Coalescer
from vts.live.esm import build_event, record_json


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def fix(
    vehicle_id: str,
    ts: datetime,
    lat: float,
    lon: float,
    *,
    topic: str = "vehicle_data",
    speed: float = 30.0,
    event_id: str | None = None,
    **extra: Any,
) -> tuple[str, dict[str, Any]]:
    """A valid current-version vehicle_data/gps_data message."""
    record = valid_record(EVENT_TYPES[topic])
    record.update(
        event_id=event_id or str(uuid.uuid4()),
        vehicle_id=vehicle_id,
        ts=iso(ts),
        latitude=lat,
        longitude=lon,
        speed_kmh=speed,
        **extra,
    )
    return topic, record


def incident(
    incident_id: str, ts: datetime, status: str, *, event_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    record = valid_record(EVENT_TYPES["emergency_data"])
    record.update(event_id=event_id or str(uuid.uuid4()), incident_id=incident_id)
    record.update(ts=iso(ts), status=status, incident_type="Fire")
    return "emergency_data", record


def event(
    messages: Iterable[tuple[str, dict[str, Any] | bytes | None]],
    *,
    partitions: int = 1,
    random_keys: bool = False,
) -> dict[str, Any]:
    """An MSK event holding ``messages`` (offsets in order), keyed as the producers key
    them (by vehicle or incident; ``random_keys``: as the tutorial does, a new key each)
    and, over ``partitions`` partitions a topic, partitioned by key as Kafka's producers
    partition them (a hash of the key)."""
    records = []
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    for offset, (topic, message) in enumerate(messages):
        key = None
        if isinstance(message, dict):
            entity = message.get("incident_id" if topic == "emergency_data" else "vehicle_id")
            key = (uuid.uuid4().hex if random_keys else str(entity)).encode()
        raw = json.dumps(message).encode() if isinstance(message, dict) else message
        partition = 0 if key is None else zlib.crc32(key) % partitions
        records.append(record_json(topic, partition, offset, now_ms, key, raw))
    return build_event(records)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)


def coalesced(*messages: tuple[str, dict[str, Any]], at: datetime | None = None) -> Coalescer:
    """Valid ``messages`` read by the contract's reader (``at``: the processing clock,
    default now) and coalesced, as the consumer does with a batch."""
    c = Coalescer()
    clock = at or datetime.now(UTC)
    for topic, message in messages:
        (reason,), (record,) = MessageReader(topic).read_many([json.dumps(message).encode()], clock)
        assert reason is None, reason
        c.add(topic, record)
    return c
