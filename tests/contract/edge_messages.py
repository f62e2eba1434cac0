"""Raw messages at the edges of what the fast decoder and ``json`` read alike, and hostile
ones: the corpus on which ``vts.contract.fast`` must give exactly ``parse_message``'s
verdicts and values (``tests/contract/test_fast.py``)."""

from __future__ import annotations

import json
from typing import Any

from tests.contract.corpus import ALL_INVALID, valid_record
from tests.contract.tutorial_samples import SAMPLES
from vts.contract.events import EVENT_TYPES
from vts.contract.normalise import MAX_MESSAGE_BYTES

Message = tuple[str, bytes | None]  # (topic, raw value)


def _dump(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def _with_raw(record: dict[str, Any], field: str, raw: str) -> bytes:
    """The record's JSON with ``field``'s value replaced by the raw JSON text ``raw``."""
    text = json.dumps(record)
    old = f'"{field}": ' + json.dumps(record[field])
    return text.replace(old, f'"{field}": {raw}', 1).encode()


# Values where msgspec and json may differ: non-standard tokens, number forms, types.
RAW_VALUES = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-1e400",
    "1" * 5000,
    "true",
    "false",
    "null",
    "[1]",
    "{}",
    '"12"',
    "12",
    "12.0",
    "1E2",
    "-0",
    "-0.0",
    "400",
    "400.0000001",
    "4e2",
    "0.1e1",
    '"\\ud800"',
    '"\\u00e9"',
    '"a\\u0000b"',
    '"\\""',
]
TIMESTAMPS = [
    "2024-03-01T10:15:30Z",
    "2024-03-01T10:15:30z",
    "2024-03-01 10:15:30+00:00",
    "2024-03-01T10:15:30.1+01:00",
    "2024-03-01T10:15:30,5Z",
    "2024-03-01T10Z",
    "2024-03-01",
    "2024-03-01T10:15:30",
    " 2024-03-01T10:15:30Z ",
    "20240301T101530Z",
    "2024-03-01T10:15:30+0100",
    "2024-03-01T10:15:30.123456789Z",
    "2024-02-30T10:00:00Z",
    "1999-12-31T23:59:59.999999Z",
    "2000-01-01T00:00:00Z",
    "2000-01-01T00:59:59+01:00",
    "2024-06-02T12:30:00Z",
    "2024-06-02T12:30:00.000001Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "yesterday",
    "",
]
UUIDS = [
    "9449A17E-0A7B-8D99-962C-C7FBE49BBD5D",
    "9449a17e0a7b8d99962cc7fbe49bbd5d",
    "9449a17e-0a7b-8d99-962c-c7fbe49bbd5d\n",
    "{9449a17e-0a7b-8d99-962c-c7fbe49bbd5d}",
    "9449a17e-0a7b-8d99-962c-c7fbe49bbd5g",
    "9449a17e-0a7b-8d99-962c-c7fbe49bbd5",
    "",
]
STRUCTURE = [
    None,
    b"",
    b"not json",
    b"\xff\xfe",
    b"[1,2]",
    b'"s"',
    b"12",
    b"null",
    b"NaN",
    b'{"a":1} x',
    b"{}",
    b"\xef\xbb\xbf{}",
    b"[" * 100_000,
    b"{" * 50_000,
    b'{"a":' * 3_000 + b"1" + b"}" * 3_000,
    b"1" * 5_000,
    b" " * (MAX_MESSAGE_BYTES + 1),
    b'{"schema_version": 2}',
    b'{"schema_version": true}',
    b'{"schema_version": "1"}',
    b'{"schema_version": null}',
    b'{"id": "x", "timestamp": 5}',
    b'{"\\ud800": 1}',
]


def messages() -> list[Message]:
    """Every edge message, in a stable order."""
    found: list[Message] = [(cid.split(".")[0], _dump(rec)) for cid, rec, _ in ALL_INVALID]
    for name, et in EVENT_TYPES.items():
        found += [(name, _dump(valid_record(et, i))) for i in range(5)]
    found += [(name, _dump(v0)) for name, (v0, _) in SAMPLES.items()]
    found += [("vehicle_data", raw) for raw in STRUCTURE]
    vehicle = valid_record(EVENT_TYPES["vehicle_data"])
    for raw in RAW_VALUES:
        for field in ("speed_kmh", "vehicle_id", "year", "make", "ts", "schema_version"):
            found.append(("vehicle_data", _with_raw(vehicle, field, raw)))
    text = json.dumps(vehicle)
    for extra in (', "speed_kmh": -5}', ', "speed_kmh": 5}', ', "colour": null}'):
        found.append(("vehicle_data", (text[:-1] + extra).encode()))  # duplicate keys: last wins
    found.append(("vehicle_data", ('{"speed_kmh": -5, ' + text[1:]).encode()))
    for year in (2024.0, 1e30, 2024.5, 10**30):
        found.append(("vehicle_data", _dump({**vehicle, "year": year})))
    for vid in ("é" * 64, "😀" * 64, "😀" * 65, "x\u0000y"):
        found.append(("vehicle_data", _dump({**vehicle, "vehicle_id": vid})))
    for eid in UUIDS:
        found.append(("vehicle_data", _dump({**vehicle, "event_id": eid})))
    for ts in TIMESTAMPS:
        found.append(("vehicle_data", _dump({**vehicle, "ts": ts})))
        found.append(("vehicle_data", _dump({**SAMPLES["vehicle_data"][0], "timestamp": ts})))
    gps = valid_record(EVENT_TYPES["gps_data"])
    for lat, lon in ((None, None), (1.0, None), (None, 1.0)):
        record = {**gps, "latitude": lat, "longitude": lon}
        found.append(("gps_data", _dump(record)))
        found.append(("gps_data", _dump({k: v for k, v in record.items() if v is not None})))
    return found
