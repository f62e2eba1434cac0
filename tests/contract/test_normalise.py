"""Tutorial (version 0) messages normalise to the current contract; bad input gets a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.contract.tutorial_samples import SAMPLES
from vts.contract import EVENT_TYPES, ContractViolation
from vts.contract.normalise import (
    MAX_MESSAGE_BYTES,
    MAX_NESTING,
    decode,
    nests_too_deeply,
    normalise,
    parse_message,
)
from vts.contract.tutorial import COMPASS_DEGREES, V0_RULES, compass_key

NOW = datetime(2024, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize("topic", SAMPLES)
def test_tutorial_messages_normalise_and_validate(topic: str) -> None:
    v0, expected = SAMPLES[topic]
    record = parse_message(topic, json.dumps(v0).encode(), now=NOW)
    assert set(record) == set(EVENT_TYPES[topic].field_names)
    assert {k: v for k, v in record.items() if v is not None} == expected


def test_every_v0_rule_targets_a_contract_field() -> None:
    for topic, rules in V0_RULES.items():
        names = EVENT_TYPES[topic].field_names
        assert {r.target for r in rules} <= set(names), topic
        required = {f.name for f in EVENT_TYPES[topic].fields if f.required}
        assert required <= {r.target for r in rules}, f"{topic}: a required field has no v0 source"


def test_gps_without_position_is_kept_with_null_position() -> None:
    v0, _ = SAMPLES["gps_data"]
    record = parse_message("gps_data", json.dumps(v0).encode(), now=NOW)
    assert record["latitude"] is None and record["longitude"] is None


def test_naive_timestamps_use_the_configured_zone() -> None:
    v0, _ = SAMPLES["vehicle_data"]
    record = normalise("vehicle_data", v0, v0_timezone="Europe/Berlin")
    assert record["ts"] == "2024-03-01T09:15:30.123456+00:00"


@pytest.mark.parametrize(
    ("word", "degrees"),
    [
        ("North", 0),
        ("North-East", 45),
        ("east", 90),
        ("South East", 135),
        ("SouthWest", 225),
        ("W", 270),
        ("North-West", 315),
        ("north-north-east", 22.5),
    ],
)
def test_compass_words(word: str, degrees: float) -> None:
    assert COMPASS_DEGREES[compass_key(word)] == degrees


def test_current_version_passes_through() -> None:
    msg = {"schema_version": 1, "event_id": "x"}
    assert normalise("vehicle_data", msg) == msg


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"\xff\xfe{}", "invalid_utf8"),
        (b" " * (MAX_MESSAGE_BYTES + 1), "oversized"),
        (b"[1, 2]", "wrong_type"),
        (b'{"schema_version": 7}', "unknown_schema_version"),
        (b'{"hello": "world"}', "unknown_format"),
        (json.dumps({**SAMPLES["vehicle_data"][0], "direction": "Up"}).encode(), "not_in_enum"),
        (json.dumps({**SAMPLES["vehicle_data"][0], "location": "here"}).encode(), "wrong_type"),
        (json.dumps({**SAMPLES["vehicle_data"][0], "timestamp": "soon"}).encode(), "bad_timestamp"),
        (json.dumps({**SAMPLES["vehicle_data"][0], "speed": -5}).encode(), "out_of_range"),
        (
            json.dumps({**SAMPLES["weather_data"][0], "weatherCondition": "Hail"}).encode(),
            "not_in_enum",
        ),
    ],
)
def test_bad_messages_get_a_reason(raw: bytes, code: str) -> None:
    topic = "weather_data" if b"Hail" in raw else "vehicle_data"
    with pytest.raises(ContractViolation) as info:
        parse_message(topic, raw, now=NOW)
    assert info.value.code == code


def test_decode_accepts_utf8_json() -> None:
    assert decode('{"a": "ü"}'.encode()) == {"a": "ü"}


@pytest.mark.parametrize(
    ("raw", "too_deep"),
    [
        (b"[" * MAX_NESTING + b"]" * MAX_NESTING, False),
        (b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1), True),
        (b"[" * 100_000, True),  # never closed
        (b'{"a":' * (MAX_NESTING + 1) + b"1" + b"}" * (MAX_NESTING + 1), True),
        (b"[{" * (MAX_NESTING // 2) + b"1" + b"}]" * (MAX_NESTING // 2), False),
        (b"[[]" * (MAX_NESTING + 1), True),  # deeper by one each time, never two in a row
        (b'["' + b"[" * 100 + b'"]', False),  # brackets inside a string do not nest
        (b'["\\"' + b"[" * 100 + b'"]', False),  # ... nor after an escaped quote
        (b'["\\\\"' + b"[" * 100 + b"]", True),  # an escaped backslash ends the string
        (b'{"s": "' + b"x[" * 10_000 + b'", "v": 1}', False),  # long, scanned, not counted
        (b'{"s": "' + b"x" * 10_000 + b'", "v": ' + b"[" * 40 + b"]" * 40 + b"}", True),
        (b'["unterminated' + b"[" * 100, False),  # json reports the string
        # chains of keys and values between the openers: one match of the scan each
        (b'{ "k" : [ 1, "v", ' * (MAX_NESTING // 2) + b"1" + b"]}" * (MAX_NESTING // 2), False),
        (b'{ "k" : [ 1, "v", ' * (MAX_NESTING // 2 + 1) + b"1" + b"]}" * 17, True),
        (b'{"[": ' * (MAX_NESTING + 1) + b"1" + b"}" * (MAX_NESTING + 1), True),
        (b'{"k\\": ' * MAX_NESTING + b"1" + b"}" * MAX_NESTING, False),
        (b'{"a": "' + b"[" * 9_000 + b'", "b": [[1]]}', False),  # long, brackets in a string
    ],
)
def test_nesting_is_measured_outside_strings(raw: bytes, too_deep: bool) -> None:
    assert nests_too_deeply(raw) is too_deep
    with pytest.raises(ContractViolation) as info:
        parse_message("vehicle_data", raw, now=NOW)
    assert (info.value.reason == "invalid_json: nested too deeply to read") is too_deep


def test_nesting_bound_does_not_depend_on_the_stack() -> None:
    def at_depth(n: int) -> str:
        if n:
            return at_depth(n - 1)
        with pytest.raises(ContractViolation) as info:
            decode(b"[" * 900 + b"]" * 900)
        return info.value.reason

    # json alone would read 900 levels from a shallow stack and fail from a deep one
    assert at_depth(0) == at_depth(80) == "invalid_json: nested too deeply to read"
