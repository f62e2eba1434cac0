"""Raw Kafka values, good and bad, on which the job's Spark rules and the Python contract
(``vts.contract.normalise.parse_message``) must reach the same verdict.

Built from the contract itself (every rule of every field of every table, via
``tests.contract.corpus``), the tutorial samples, and the corners where Spark's JSON
parser and Python's ``json`` differ: JSON types Spark would coerce, the NaN/Infinity
tokens, duplicate keys, trailing garbage, time formats, tutorial positions and compass
words.
"""

from __future__ import annotations

import json
from typing import Any

from tests.contract.corpus import ALL_INVALID, valid_record
from tests.contract.tutorial_samples import SAMPLES
from vts.contract.events import EVENT_TYPES

Case = tuple[str, bytes]  # (topic, raw value)


def _dump(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def _replace_value(record: dict[str, Any], field: str, raw: str) -> bytes:
    """The record's JSON with ``field``'s value replaced by the raw JSON text ``raw``."""
    text = json.dumps(record)
    old = f'"{field}": ' + json.dumps(record[field])
    assert old in text, field
    return text.replace(old, f'"{field}": {raw}', 1).encode()


RAW_VALUES = [
    "NaN", "Infinity", "-Infinity", '"NaN"', '"Infinity"', "1e400", "true", "false",
    "[1]", '{"a": 1}', "{}", "[]", '"12"', "12", "12.0", "1E2", "-0", "400", "400.0000001",
    "null", '"true"', '"[1]"', '"{}"', '"\\"NaN\\""', '"2024-03-01T10:00:00Z"',
]  # fmt: skip
TIMESTAMPS = [
    "2024-03-01T10:15:30Z", "2024-03-01T10:15:30z", "2024-03-01 10:15:30+00:00",
    "2024-03-01T10:15:30.1+01:00", "2024-03-01T10:15:30,5Z", "2024-03-01T10Z",
    "2024-03-01T10:15Z", "2024-03-01", "2024-03-01T10:15:30", " 2024-03-01T10:15:30Z ",
    "2024-03-01T10:15:30+0100", "2024-03-01T10:15:30-05", "2024-03-01T10:15:30+01:00:30",
    "2024-03-01T10:15:30.123456789Z", "2024-02-30T10:00:00Z", "2024-03-01T24:00:00Z",
    "1999-12-31T23:59:59.999999Z", "2000-01-01T00:00:00Z", "2024-13-01T00:00:00Z",
    "2024-03-01t10:15:30Z", "2024-03-01T10:15:30+14:00", "2024-03-01T10:15:30+24:00",
    "yesterday", "",
]  # fmt: skip
LOCATIONS: list[Any] = [
    [51.5, -0.1], [51.5], [51.5, -0.1, 3], ["51.5", -0.1], [51.5, "-0.1"], [True, 1],
    [None, 1], [1, None], [[1], 2], [1, [2]], "(51.5, -0.1)", "[51.5,-0.1]", "( 51.5 , -0.1 )",
    "(51.5; -0.1)", "(1_0, 2)", "(inf, 2)", "(nan, 2)", "(1e2, 2)", "(91, 2)", "(.5, 2.)",
    "(1d, 2)", "(0x10, 2)", "", None, 5, {"lat": 1}, [100, 0], [0, 200], ["a,b", 1],
    [1, "a,b"], [1.5e1, -0.0],
]  # fmt: skip
DIRECTIONS: list[Any] = [
    "North-East", "north east", "NE", "ne", "NorthEast", "N", "nnw", "North-North-West",
    "Up", "", 45, 45.5, 400, True, None, [1], "Nord",
]  # fmt: skip
STRUCTURE = [
    b"not json", b"\xff\xfe", b"[1,2]", b'"s"', b"12", b"1.5", b"null", b"true", b"NaN",
    b'{"a":1} x', b'{"a":1} {"b":2}', b"{}", b"{'a': 1}", b'{"a": 1,}', b'{"a": 01}',
    b"\xef\xbb\xbf{}", b'{"a": "tab\there"}', b'{"a": "\\x"}', b"[" * 50 + b"]" * 50,
    b'{"schema_version": 2}', b'{"schema_version": true}', b'{"schema_version": "1"}',
    b'{"schema_version": null}', b'{"schema_version": 1.0}', b'{"id": "x", "timestamp": 5}',
]  # fmt: skip


def cases() -> list[Case]:
    """Every case, in a stable order."""
    found: list[Case] = [(cid.split(".")[0], _dump(rec)) for cid, rec, _ in ALL_INVALID]
    for name, et in EVENT_TYPES.items():
        found += [(name, _dump(valid_record(et, i))) for i in range(3)]
    found += [(name, _dump(v0)) for name, (v0, _) in SAMPLES.items()]
    found += [("vehicle_data", raw) for raw in STRUCTURE]

    vehicle = valid_record(EVENT_TYPES["vehicle_data"])
    for raw in RAW_VALUES:
        for field in ("speed_kmh", "vehicle_id", "year", "make", "ts", "heading_deg", "event_id"):
            found.append(("vehicle_data", _replace_value(vehicle, field, raw)))
    text = json.dumps(vehicle)
    found.append(("vehicle_data", (text[:-1] + ', "speed_kmh": -5}').encode()))  # last wins
    found.append(("vehicle_data", ('{"speed_kmh": -5, ' + text[1:]).encode()))
    found.append(("vehicle_data", (text[:-1] + ', "colour": null}').encode()))
    found.append(
        ("vehicle_data", text.replace('"speed_kmh": ', '"x": NaN, "speed_kmh": ').encode())
    )
    for year in (2024.0, 1e30, 2024.5, 10**30):
        found.append(("vehicle_data", _dump({**vehicle, "year": year})))
    for vid in ("123", "-12.5", "é" * 64, "😀" * 64, "😀" * 65):
        found.append(("vehicle_data", _dump({**vehicle, "vehicle_id": vid})))
    found.append(("vehicle_data", _dump({**vehicle, "event_id": vehicle["event_id"] + "\n"})))
    found.append(("vehicle_data", _dump({**vehicle, "event_id": vehicle["event_id"].upper()})))

    tutorial = SAMPLES["vehicle_data"][0]
    for ts in TIMESTAMPS:
        found.append(("vehicle_data", _dump({**vehicle, "ts": ts})))
        found.append(("vehicle_data", _dump({**tutorial, "timestamp": ts})))
    for loc in LOCATIONS:
        found.append(("vehicle_data", _dump({**tutorial, "location": loc})))
    for direction in DIRECTIONS:
        found.append(("vehicle_data", _dump({**tutorial, "direction": direction})))
    for key, value in [("speed", "x"), ("year", "x"), ("make", 5), ("id", 5), ("speed", None)]:
        found.append(("vehicle_data", _dump({**tutorial, key: value})))
    found.append(("vehicle_data", _dump({**tutorial, "extra_field": 1})))
    found.append(("vehicle_data", _dump({**tutorial, "schema_version": 0})))
    found.append(("vehicle_data", _dump({k: v for k, v in tutorial.items() if k != "id"})))
    found.append(("gps_data", _dump({**SAMPLES["gps_data"][0], "location": [1, 2]})))
    emergency = SAMPLES["emergency_data"][0]
    for value in ("Fire", "Tornado", None):
        found.append(("emergency_data", _dump({**emergency, "type": value})))
    for value in ("Resolved", "Reported", "Gone"):
        found.append(("emergency_data", _dump({**emergency, "status": value})))
    weather = SAMPLES["weather_data"][0]
    for humidity in (80.0, 80.5, 101, "80"):
        found.append(("weather_data", _dump({**weather, "humidity": humidity})))
    gps = valid_record(EVENT_TYPES["gps_data"])
    for lat, lon in ((None, None), (1.0, None), (None, 1.0)):
        record = {**gps, "latitude": lat, "longitude": lon}
        found.append(("gps_data", _dump(record)))
        found.append(("gps_data", _dump({k: v for k, v in record.items() if v is not None})))
    return found
