"""The validator, generated from the contract: the one implementation of its rules.

The streaming job runs it too (``vts.contract.fast`` puts a compiled decoder in front of
it and falls back to it for every message the decoder does not accept).

``violations(et, record)`` returns every broken rule of a current-version record (the
JSON-shaped dict a producer sends, ``ts`` as an ISO 8601 string with a zone offset);
``check`` raises the first one as a ``ContractViolation``. Reasons start with a stable code:

==================  ========================================================
missing_field       a required field is absent or null
unknown_field       a field the contract does not define
wrong_type          e.g. a string where a number belongs
out_of_range        a number outside its bounds
not_in_enum         a string outside its allowed values
too_long            a string over its maximum length
bad_uuid            not a canonical UUID
bad_timestamp       unparseable, without a zone, before 2000, or > 1 day ahead
pair_mismatch       one of latitude/longitude without the other
invalid_utf8        a string holding a lone surrogate escape (``"\\ud800"``)
==================  ========================================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from vts.contract.events import EventType
from vts.contract.exceptions import ContractViolation
from vts.contract.fields import TS_MAX_AHEAD, TS_MIN, UUID_PATTERN, Field

_UUID = re.compile(UUID_PATTERN)


def parse_ts(value: str) -> datetime:
    """Parse an ISO 8601 event time that carries a zone offset (``Z`` or ``±hh:mm``)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    ts = datetime.fromisoformat(text)
    if ts.tzinfo is None:
        raise ValueError("no time zone")
    return ts


def _is_unicode(text: str) -> bool:
    """False for a string with a lone surrogate (JSON's ``"\\ud800"``): it has no UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _field_violation(f: Field, value: Any, now: datetime) -> str | None:
    if value is None:
        return f"missing_field: {f.name}" if f.required else None
    if f.type == "string":
        if not isinstance(value, str):
            return f"wrong_type: {f.name} must be a string, got {type(value).__name__}"
        if not value.isascii() and not _is_unicode(value):
            return f"invalid_utf8: {f.name} holds a lone surrogate escape (not UTF-8)"
        if f.max_length is not None and len(value) > f.max_length:
            return f"too_long: {f.name} has {len(value)} characters, limit {f.max_length}"
        if f.enum is not None and value not in f.enum:
            return f"not_in_enum: {f.name}={value!r}, allowed {', '.join(f.enum)}"
        if f.uuid and not _UUID.match(value):
            return f"bad_uuid: {f.name}={value[:64]!r}"
        return None
    if f.type == "timestamp":
        if not isinstance(value, str):
            return f"wrong_type: {f.name} must be an ISO 8601 string"
        try:
            ts = parse_ts(value)
        except ValueError:
            return f"bad_timestamp: {f.name}={value[:64]!r} is not ISO 8601 with a zone"
        if ts < TS_MIN or ts > now + TS_MAX_AHEAD:
            return f"bad_timestamp: {f.name}={value[:64]!r} is outside {TS_MIN:%Y-%m-%d}..now+1d"
        return None
    # numbers; JSON booleans are not numbers
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"wrong_type: {f.name} must be a number, got {type(value).__name__}"
    if f.type == "int" and not (isinstance(value, int) or float(value).is_integer()):
        return f"wrong_type: {f.name} must be a whole number, got {value!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"out_of_range: {f.name}={value!r} is not finite"
    if f.minimum is not None and value < f.minimum:
        return f"out_of_range: {f.name}={value!r} is below {f.minimum:g}"
    if f.maximum is not None and value > f.maximum:
        return f"out_of_range: {f.name}={value!r} is above {f.maximum:g}"
    return None


def _violations(et: EventType, record: Mapping[str, Any], now: datetime) -> Iterator[str]:
    """The rules ``record`` breaks, in order: unknown fields, each field, the pairs."""
    known = et.fields_by_name
    for name in record:
        if name not in known:
            yield f"unknown_field: {name}"
    for f in et.fields:
        problem = _field_violation(f, record.get(f.name), now)
        if problem:
            yield problem
    for a, b in et.pairs:
        if (record.get(a) is None) != (record.get(b) is None):
            yield f"pair_mismatch: {a} and {b} must both be set or both be null"


def violations(
    et: EventType, record: Mapping[str, Any], *, now: datetime | None = None
) -> list[str]:
    """Every rule ``record`` breaks (empty when valid)."""
    return list(_violations(et, record, now or datetime.now().astimezone()))


def check(et: EventType, record: Mapping[str, Any], *, now: datetime | None = None) -> None:
    """Raise ``ContractViolation`` with the first broken rule (the rest are not checked)."""
    first = next(_violations(et, record, now or datetime.now().astimezone()), None)
    if first is not None:
        raise ContractViolation(first)
