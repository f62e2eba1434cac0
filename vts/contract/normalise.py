"""Turn any accepted message into a current-version record (Python side).

``decode`` turns raw Kafka value bytes into a JSON object (UTF-8, size limit);
``normalise`` maps version 0 (tutorial) messages to the current version by interpreting
``vts.contract.tutorial.V0_RULES``; ``parse_message`` does both and validates.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from vts.contract.events import CURRENT_SCHEMA_VERSION, event_type
from vts.contract.exceptions import ContractViolation
from vts.contract.tutorial import COMPASS_DEGREES, V0_MARKERS, V0_RULES, V0Rule, compass_key
from vts.contract.validate import check

# Kafka messages larger than this are quarantined unparsed (the biggest valid event,
# a traffic sighting with an inline snapshot, is well under it).
MAX_MESSAGE_BYTES = 128 * 1024

# JSON nested deeper than this (arrays and objects) is not read: no event nests deeper
# than 2, and the bound does not depend on how deep the reader's stack already is.
MAX_NESTING = 32

_PAIR = re.compile(r"^\s*[\(\[]\s*([^,\s]+)\s*,\s*([^\)\]\s]+)\s*[\)\]]\s*$")
# what the nesting scan stops at: a bracket or a quote; after an opener, the openers that
# follow it (up to one more than the bound), with what stands between them as long as
# that holds no closer and its strings hold no bracket, quote or backslash (so a chain
# like ``{"a": [{"b":`` is one match, and every bracket in it is an opener outside a
# string). It starts with a character set, so ``re`` skips to the next match without
# trying the pattern at every byte; the possessive quantifiers never backtrack.
_NESTING_TOKEN = re.compile(
    rb'[\[\]{}"](?:(?<=[\[{])(?:[^\[\]{}"]*+(?:"[^"\\\[\]{}]*+"[^\[\]{}"]*+)*+[\[{]){0,%d})?'
    % MAX_NESTING
)
# Up to this size, counting the brackets first is cheaper than scanning (``count`` is
# about ten times faster per byte than the scan's search, which stops at the bound).
_COUNT_UP_TO = 8192


def nests_too_deeply(raw: bytes) -> bool:
    """Whether ``raw`` opens more than ``MAX_NESTING`` arrays or objects at some point,
    counting brackets outside double-quoted strings (without parsing: no recursion)."""
    if len(raw) <= _COUNT_UP_TO and raw.count(b"[") + raw.count(b"{") <= MAX_NESTING:
        return False
    depth, at = 0, 0
    search, find = _NESTING_TOKEN.search, raw.find
    while (token := search(raw, at)) is not None:
        first, at = raw[token.start()], token.end()
        if first == 34:  # a quote: skip to the one that ends the string (not escaped)
            while (end := find(b'"', at)) >= 0:
                escapes = end
                while raw[escapes - 1] == 92:  # backslash
                    escapes -= 1
                at = end + 1
                if (end - escapes) % 2 == 0:
                    break
            else:
                return False  # an unterminated string: json says so
        elif first == 93 or first == 125:  # ] }
            depth -= 1
        else:  # openers
            run = raw[token.start() : at]
            depth += run.count(b"[") + run.count(b"{")
            if depth > MAX_NESTING:
                return True
    return False


def decode(raw: bytes) -> Any:
    """Raw value bytes -> parsed JSON, or ``ContractViolation`` (oversized, UTF-8, nesting,
    JSON)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ContractViolation(f"oversized: {len(raw)} bytes, limit {MAX_MESSAGE_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractViolation(f"invalid_utf8: byte {exc.start} is not UTF-8") from None
    if nests_too_deeply(raw):
        raise ContractViolation("invalid_json: nested too deeply to read")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractViolation(f"invalid_json: {exc.msg} at character {exc.pos}") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ContractViolation(f"invalid_json: {str(exc)[:120]}") from None


def _position(value: Any) -> tuple[Any, Any]:
    if value is None:
        return None, None
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, str) and (m := _PAIR.match(value)):
        try:
            return float(m.group(1)), float(m.group(2))
        except ValueError:
            pass
    raise ContractViolation("wrong_type: location must be [latitude, longitude]")


def _naive_ts(value: Any, tz: ZoneInfo) -> Any:
    if not isinstance(value, str):
        return value  # the validator reports the wrong type
    try:
        ts = datetime.fromisoformat(value.strip())
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=tz)
        return ts.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved across UTC
        raise ContractViolation(f"bad_timestamp: ts={value[:64]!r} is not ISO 8601") from None


def _compass(value: Any) -> Any:
    if value is None or isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return value
    try:
        return COMPASS_DEGREES[compass_key(value)]
    except KeyError:
        raise ContractViolation(
            f"not_in_enum: direction={value[:32]!r} is not a compass word"
        ) from None


def _apply(rule: V0Rule, msg: Mapping[str, Any], tz: ZoneInfo) -> Any:
    if rule.convert == "const_zero":
        return 0
    value = msg.get(rule.source) if rule.source else None
    if rule.convert in ("lat", "lon"):
        lat, lon = _position(value)
        return lat if rule.convert == "lat" else lon
    if rule.convert == "naive_ts":
        return _naive_ts(value, tz)
    if rule.convert == "compass":
        return _compass(value)
    return value


def is_v0(msg: Mapping[str, Any]) -> bool:
    return "schema_version" not in msg and all(k in msg for k in V0_MARKERS)


def normalise(topic: str, msg: Any, *, v0_timezone: str = "UTC") -> dict[str, Any]:
    """A current-version record from a version-0 or current message (not yet validated).

    A version-0 message yields every contract field, null where version 0 has no source.
    """
    event_type(topic)
    if not isinstance(msg, dict):
        raise ContractViolation(f"wrong_type: message is a JSON {type(msg).__name__}, not object")
    if "schema_version" in msg:
        version = msg["schema_version"]
        if version != CURRENT_SCHEMA_VERSION or isinstance(version, bool):
            raise ContractViolation(
                f"unknown_schema_version: {version!r}; accepted: 0 (tutorial) and "
                f"{CURRENT_SCHEMA_VERSION}"
            )
        return dict(msg)
    if not is_v0(msg):
        raise ContractViolation(
            "unknown_format: no schema_version and not the tutorial format (id, timestamp)"
        )
    tz = ZoneInfo(v0_timezone)
    record: dict[str, Any] = dict.fromkeys(event_type(topic).field_names)
    record.update({rule.target: _apply(rule, msg, tz) for rule in V0_RULES[topic]})
    return record


def parse_message(
    topic: str, raw: bytes, *, v0_timezone: str = "UTC", now: datetime | None = None
) -> dict[str, Any]:
    """Raw Kafka value -> a valid current-version record, or ``ContractViolation``."""
    record = normalise(topic, decode(raw), v0_timezone=v0_timezone)
    check(event_type(topic), record, now=now)
    return record
