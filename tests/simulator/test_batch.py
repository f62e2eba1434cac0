"""EventBatch and its columnar JSON encoder: the JSON means exactly the records."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator import EventBatch
from simulator.events.jsonenc import layout

TS = "2024-03-01T10:00:00.000Z"
ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def _weather(**overrides: object) -> EventBatch:
    columns: dict[str, object] = {
        "event_id": [ID, ID],
        "ts": [TS, TS],
        "schema_version": [1, 1],
        "station_id": ["WX-1", "WX-2"],
        "latitude": [51.5000004, -0.0000001],
        "longitude": [-0.12765449, 179.9999996],
        "temperature_c": [-12.3449, 0.0],
        "condition": ["Rain", "Sunny"],
        "precipitation_mm": [0.10001, 499.999],
        "wind_speed_kmh": [7.0, 399.96],
        "humidity_pct": [100, 0],
        "aqi": [0.04, 12.5],
    }
    columns.update(overrides)
    return EventBatch.build("weather_data", columns)  # type: ignore[arg-type]


def test_build_rounds_to_the_json_decimals() -> None:
    b = _weather()
    assert b.columns["latitude"].tolist() == [51.5, -0.0]
    assert b.columns["temperature_c"].tolist() == [-12.34, 0.0]
    assert b.keys.tolist() == [b"WX-1", b"WX-2"]
    assert len(b) == 2


def test_json_lines_are_compact_and_decode_to_the_records() -> None:
    b = _weather()
    lines = b.to_json_lines()
    assert [json.loads(x) for x in lines] == b.to_records()
    first = lines[0].decode()
    assert '"temperature_c":-12.34,' in first and '"precipitation_mm":0.1,' in first
    assert '"wind_speed_kmh":7.0,' in first and '"humidity_pct":100,' in first
    assert '"latitude":51.5,' in first and " " not in first.replace("WX-1", "")
    assert '"longitude":180.0,' in lines[1].decode() and '"aqi":12.5}' in lines[1].decode()
    assert json.loads(lines[1])["temperature_c"] == 0.0
    assert isinstance(json.loads(lines[1])["temperature_c"], float)


def test_random_values_round_trip() -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    b = _weather(
        event_id=[ID] * n,
        ts=[TS] * n,
        schema_version=np.ones(n, dtype=int),
        station_id=[f"S{i}" for i in range(n)],
        latitude=rng.uniform(-90, 90, n),
        longitude=rng.uniform(-180, 180, n),
        temperature_c=rng.uniform(-90, 60, n),
        condition=["Fog"] * n,
        precipitation_mm=rng.uniform(0, 500, n),
        wind_speed_kmh=rng.uniform(0, 400, n),
        humidity_pct=rng.integers(0, 101, n),
        aqi=rng.uniform(0, 500, n),
    )
    assert [json.loads(x) for x in b.to_json_lines()] == b.to_records()


def test_strings_that_need_escaping_fall_back_to_json_dumps() -> None:
    b = _weather(station_id=['quote " and \\ back', "tab\there"])
    decoded = [json.loads(x) for x in b.to_json_lines()]
    assert [d["station_id"] for d in decoded] == ['quote " and \\ back', "tab\there"]
    assert decoded == b.to_records()
    wrapped = [json.loads(x) for x in b.to_json_bytes(envelope=True).splitlines()]
    assert [(d["topic"], d["key"], d["value"]) for d in wrapped] == [
        ("weather_data", r["station_id"], r) for r in b.to_records()
    ]


def test_envelope_wraps_topic_and_key() -> None:
    b = _weather()
    lines = b.to_json_bytes(envelope=True).decode().splitlines()
    docs = [json.loads(x) for x in lines]
    assert [d["topic"] for d in docs] == ["weather_data"] * 2
    assert [d["key"] for d in docs] == ["WX-1", "WX-2"]
    assert [d["value"] for d in docs] == b.to_records()


def test_concat_take_and_empty() -> None:
    b = _weather()
    both = EventBatch.concat("weather_data", [b, EventBatch.empty("weather_data"), b.take([1])])
    assert len(both) == 3 and both.to_records()[2] == b.to_records()[1]
    assert EventBatch.empty("gps_data").to_json_lines() == []
    assert EventBatch.empty("gps_data").to_json_bytes() == b""


def test_columns_must_match_the_contract() -> None:
    with pytest.raises(ValueError, match="missing"):
        EventBatch.build("weather_data", {"event_id": [ID]})
    cols = _weather().columns
    with pytest.raises(ValueError, match="unknown"):
        EventBatch.build("weather_data", {**cols, "colour": ["red", "blue"]})


def test_values_outside_the_contract_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        _weather(humidity_pct=[1000, 1]).to_json_lines()


def test_layout_follows_the_contract_order() -> None:
    names = [s.column for s in layout("gps_data") if s.kind != "lit"]
    assert names[:4] == ["event_id", "ts", "schema_version", "vehicle_id"]
