"""A corpus of valid records and one failing example per validation rule, derived from the
contract itself so every field of every event type is covered."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from vts.contract.events import EVENT_TYPES, EventType
from vts.contract.fields import Field


def sample_value(f: Field, i: int = 0) -> Any:
    """A valid value for ``f``."""
    if f.name == "schema_version":
        return 1
    if f.type == "timestamp":
        return f"2024-03-01T10:{i % 60:02d}:30.123000+00:00"
    if f.uuid:
        # from a digest, not hash(): the same UUIDs in every process (PYTHONHASHSEED)
        digest = hashlib.sha256(f"{f.name}/{i}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))
    if f.enum:
        return f.enum[i % len(f.enum)]
    if f.type == "string":
        return f"{f.name}-{i}"
    lo = f.minimum if f.minimum is not None else 0
    hi = f.maximum if f.maximum is not None else lo + 100
    mid = lo + (hi - lo) * ((i % 7) + 1) / 8
    return int(mid) if f.type == "int" else float(mid)


def valid_record(et: EventType, i: int = 0) -> dict[str, Any]:
    return {f.name: sample_value(f, i) for f in et.fields}


def invalid_cases(et: EventType) -> list[tuple[str, dict[str, Any], str]]:
    """``(case id, record, expected reason code)`` — one per rule each field has."""
    cases: list[tuple[str, dict[str, Any], str]] = []
    base = valid_record(et)

    def case(name: str, code: str, **changes: Any) -> None:
        rec = dict(base)
        for k, v in changes.items():
            if v is _DROP:
                rec.pop(k, None)
            else:
                rec[k] = v
        cases.append((f"{et.name}.{name}", rec, code))

    for f in et.fields:
        if f.required:
            case(f"{f.name}-missing", "missing_field", **{f.name: _DROP})
            case(f"{f.name}-null", "missing_field", **{f.name: None})
        if f.type in ("double", "int"):
            case(f"{f.name}-string", "wrong_type", **{f.name: "12"})
            case(f"{f.name}-bool", "wrong_type", **{f.name: True})
            if f.minimum is not None:
                case(f"{f.name}-below", "out_of_range", **{f.name: f.minimum - 1})
            if f.maximum is not None:
                case(f"{f.name}-above", "out_of_range", **{f.name: f.maximum + 1})
            if f.type == "int":
                case(f"{f.name}-fraction", "wrong_type", **{f.name: (f.minimum or 0) + 0.5})
        if f.type == "string":
            case(f"{f.name}-number", "wrong_type", **{f.name: 42})
            if f.max_length is not None and not f.enum and not f.uuid:
                case(f"{f.name}-long", "too_long", **{f.name: "x" * (f.max_length + 1)})
            if f.enum:
                case(f"{f.name}-enum", "not_in_enum", **{f.name: "Tornado"})
            if f.uuid:
                case(f"{f.name}-uuid", "bad_uuid", **{f.name: "not-a-uuid"})
        if f.type == "timestamp":
            case("ts-garbage", "bad_timestamp", ts="yesterday")
            case("ts-naive", "bad_timestamp", ts="2024-03-01T10:15:30")
            case("ts-ancient", "bad_timestamp", ts="1970-01-01T00:00:00+00:00")
            case("ts-future", "bad_timestamp", ts="2999-01-01T00:00:00+00:00")
            case("ts-number", "wrong_type", ts=1709288130)
    for a, b in et.pairs:
        case(f"{a}-without-{b}", "pair_mismatch", **{b: None})
    case("unknown-field", "unknown_field", colour="red")
    return cases


class _Drop:
    pass


_DROP = _Drop()

ALL_INVALID = [c for et in EVENT_TYPES.values() for c in invalid_cases(et)]
