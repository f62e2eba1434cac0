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
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

import msgspec

from vts.live.exceptions import BadEventError

EVENT_SOURCE = "aws:kafka"
# A column of base64 texts in one C call (``msgspec.convert``). msgspec takes a text only
# when it is whole quads of the standard alphabet with at most two '=' at its end, and then
# gives the bytes ``binascii.a2b_base64(text, strict_mode=True)`` gives; what it refuses,
# ``_record`` judges (tests/live/test_esm.py holds the two equal).
_BASE64_COLUMN = list[bytes]
_TOPIC, _PARTITION, _VALUE = itemgetter("topic"), itemgetter("partition"), itemgetter("value")


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


@dataclass
class EventColumns:
    """An event's records by Kafka topic and partition (``read_columns``): each
    partition's values in the event's order (``None``: a record without a value), the
    records that could not be read (their problems), and the records' Kafka timestamps."""

    values: dict[tuple[str, int], list[bytes | None]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(map(len, self.values.values())) + len(self.problems)


def _groups(event: Any) -> Mapping[Any, Any]:
    """The event's ``records`` object (``BadEventError`` when the event is not one)."""
    if not isinstance(event, Mapping):
        raise BadEventError(f"the event is a {type(event).__name__}, not an object")
    if event.get("eventSource") != EVENT_SOURCE:
        raise BadEventError(f"eventSource is {event.get('eventSource')!r}, not {EVENT_SOURCE!r}")
    groups = event.get("records")
    if not isinstance(groups, Mapping):
        raise BadEventError("it has no 'records' object")
    return groups


def read_records(event: Any) -> Iterator[EsmRecord]:
    """The records of an MSK event, in the event's order."""
    for group, records in _groups(event).items():
        if type(records) is not list:
            yield _problem(str(group), f"{group!r} does not hold a list of records")
            continue
        for r in records:
            yield _record(group, r)


def _record(group: Any, r: Any) -> EsmRecord:
    """One record of ``group``, read with care (``problem`` set when it cannot be)."""
    # type(...) is: exact JSON types, and far cheaper than isinstance(r, Mapping)
    topic = r.get("topic") if type(r) is dict else None
    if type(topic) is not str:
        return _problem(str(group), "a record without a topic")
    raw, value, problem = r.get("value"), None, None
    if type(raw) is str:
        try:
            value = binascii.a2b_base64(raw, strict_mode=True)
        except (binascii.Error, ValueError):
            problem = "invalid_record: the value is not base64"
    elif raw is not None:
        problem = "invalid_record: the value is not a base64 string"
    ts, partition, offset = r.get("timestamp"), r.get("partition"), r.get("offset")
    key = r.get("key")
    return EsmRecord(
        topic,
        partition if type(partition) is int else -1,
        offset if type(offset) is int else -1,
        ts if type(ts) is int else None,
        value,
        problem,
        key if type(key) is str else None,
    )


def read_columns(event: Any) -> EventColumns:
    """The records of an MSK event by topic and partition (what the handler needs of
    them), read as ``read_records`` reads them. A group (``<topic>-<partition>``) of
    well-formed records of one topic and partition, each with a base64 value, is read a
    column at a time (its values in one call); any other goes record by record through
    ``read_records``'s rules."""
    out = EventColumns()
    for group, records in _groups(event).items():
        if type(records) is not list:
            why = f"{group!r} does not hold a list of records"
            out.problems.append(_problem(str(group), why).problem or why)
            continue
        try:  # each field's column read in C (itemgetter), not a loop of Python a record
            topics = set(map(_TOPIC, records))
            (topic,) = topics if len(topics) == 1 else ("",)
            if type(topic) is not str or not topic:
                raise TypeError
            partitions = set(map(_PARTITION, records))
            (partition,) = partitions if len(partitions) == 1 else (None,)
            if type(partition) is not int:
                raise TypeError
            texts = list(map(_VALUE, records))
            if set(map(type, texts)) - {str}:
                raise TypeError
            values: list[bytes | None] = msgspec.convert(texts, _BASE64_COLUMN)
        except (KeyError, TypeError, ValueError, msgspec.ValidationError):
            for r in records:
                record = _record(group, r)
                if record.problem is not None:
                    out.problems.append(record.problem)
                else:
                    source = (record.topic, record.partition)
                    out.values.setdefault(source, []).append(record.value)
                if record.timestamp_ms is not None:
                    out.timestamps.append(record.timestamp_ms)
            continue
        out.values.setdefault((topic, partition), []).extend(values)
        stamps = [r.get("timestamp") for r in records]
        if set(map(type, stamps)) - {int}:  # (bool is not int: type, not isinstance)
            stamps = [ts for ts in stamps if type(ts) is int]
        out.timestamps += stamps
    return out


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
