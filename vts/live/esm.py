"""The MSK event source mapping's invocation event, read and (for ``vts live run``) built.

The mapping invokes the function with::

    {"eventSource": "aws:kafka", "eventSourceArn": "...", "bootstrapServers": "...",
     "records": {"<topic>-<partition>": [
         {"topic": "...", "partition": 0, "offset": 15, "timestamp": 1545084650987,
          "timestampType": "CREATE_TIME", "key": "<base64>", "value": "<base64>",
          "headers": [{"name": [byte, ...]}]}, ...]}}

``read_records`` yields each record's topic, partition, offset, timestamp and decoded
value; a record it cannot read (not an object, no topic, a value that is not base64)
comes out with ``problem`` set, so the handler counts it and goes on. Only an event that
is not of this shape at all raises (``BadEventError``).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from vts.live.exceptions import BadEventError

EVENT_SOURCE = "aws:kafka"


class EsmRecord(NamedTuple):
    """One record (a tuple: a frozen dataclass costs more to make than its decode)."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    value: bytes | None
    problem: str | None = None
    key: str | None = None  # as sent (base64): enough to tell records of one entity apart


def _problem(topic: str, why: str) -> EsmRecord:
    return EsmRecord(topic, -1, -1, None, None, f"invalid_record: {why}")


def read_records(event: Any) -> Iterator[EsmRecord]:
    """The records of an MSK event, in the event's order."""
    if not isinstance(event, Mapping):
        raise BadEventError(f"the event is a {type(event).__name__}, not an object")
    if event.get("eventSource") != EVENT_SOURCE:
        raise BadEventError(f"eventSource is {event.get('eventSource')!r}, not {EVENT_SOURCE!r}")
    groups = event.get("records")
    if not isinstance(groups, Mapping):
        raise BadEventError("it has no 'records' object")
    b64decode, error = binascii.a2b_base64, binascii.Error
    for group, records in groups.items():
        if type(records) is not list:
            yield _problem(str(group), f"{group!r} does not hold a list of records")
            continue
        for r in records:
            # type(...) is: exact JSON types, and far cheaper than isinstance(r, Mapping)
            topic = r.get("topic") if type(r) is dict else None
            if type(topic) is not str:
                yield _problem(str(group), "a record without a topic")
                continue
            raw, value, problem = r.get("value"), None, None
            if type(raw) is str:
                try:
                    value = b64decode(raw, strict_mode=True)
                except (error, ValueError):
                    problem = "invalid_record: the value is not base64"
            elif raw is not None:
                problem = "invalid_record: the value is not a base64 string"
            ts, partition, offset = r.get("timestamp"), r.get("partition"), r.get("offset")
            key = r.get("key")
            yield EsmRecord(
                topic,
                partition if type(partition) is int else -1,
                offset if type(offset) is int else -1,
                ts if type(ts) is int else None,
                value,
                problem,
                key if type(key) is str else None,
            )


def record_json(
    topic: str,
    partition: int,
    offset: int,
    timestamp_ms: int,
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes]] = (),
) -> dict[str, Any]:
    """One record as the mapping sends it (``key``/``value`` base64, absent when null)."""
    record: dict[str, Any] = {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": timestamp_ms,
        "timestampType": "CREATE_TIME",
    }
    if key is not None:
        record["key"] = base64.b64encode(key).decode("ascii")
    if value is not None:
        record["value"] = base64.b64encode(value).decode("ascii")
    record["headers"] = [{name: list(data)} for name, data in headers]
    return record


def build_event(
    records: Iterable[dict[str, Any]], *, source_arn: str = "", bootstrap: str = ""
) -> dict[str, Any]:
    """The invocation event for ``records`` (from ``record_json``), grouped as the mapping
    groups them: by ``<topic>-<partition>``, in offset order within a group."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
    return {
        "eventSource": EVENT_SOURCE,
        "eventSourceArn": source_arn,
        "bootstrapServers": bootstrap,
        "records": groups,
    }
