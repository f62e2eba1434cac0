"""Lambda invocation events and settings, validated before anything is generated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from simulator.entry.invocation import InvalidInvocationError, parse_invocation
from simulator.entry.settings import SimulatorSettings
from vts.exceptions import ConfigError

SETTINGS = SimulatorSettings(
    bootstrap="b:9092", fleet_vehicles=100, fleet_shards=4, window_seconds=60
)


def test_scheduled_invocation_covers_the_window_before_its_time() -> None:
    inv = parse_invocation({"shard": 3, "scheduled_time": "2024-03-01T10:01:00.912Z"}, SETTINGS)
    assert inv.shard == 3
    assert inv.window.start == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert inv.window.seconds == 60


def test_manual_invocation_names_its_window() -> None:
    inv = parse_invocation(
        {"shard": 0, "window_start": "2024-03-01T10:05:00Z", "window_seconds": 30}, SETTINGS
    )
    assert inv.window.start == datetime(2024, 3, 1, 10, 5, tzinfo=UTC) and inv.window.seconds == 30
    default = parse_invocation({"shard": 1, "window_start": "2024-03-01T10:05:00Z"}, SETTINGS)
    assert default.window.seconds == 60


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ([], "JSON object"),
        ({"scheduled_time": "2024-03-01T10:00:00Z"}, "'shard'"),
        ({"shard": "0", "scheduled_time": "2024-03-01T10:00:00Z"}, "'shard'"),
        ({"shard": True, "scheduled_time": "2024-03-01T10:00:00Z"}, "'shard'"),
        ({"shard": 4, "scheduled_time": "2024-03-01T10:00:00Z"}, "0..3"),
        ({"shard": 0}, "exactly one"),
        (
            {
                "shard": 0,
                "scheduled_time": "2024-03-01T10:00:00Z",
                "window_start": "2024-03-01T10:00:00Z",
            },
            "exactly one",
        ),
        ({"shard": 0, "scheduled_time": "2024-03-01T10:00:00Z", "window_seconds": 5}, "goes with"),
        ({"shard": 0, "scheduled_time": 1709287200}, "ISO 8601"),
        ({"shard": 0, "window_start": "2024-03-01T10:00:00"}, "no time zone"),
        ({"shard": 0, "window_start": "2024-03-01T10:00:00Z", "window_seconds": -1}, "positive"),
        ({"shard": 0, "window_start": "2024-03-01T10:00:00Z", "window_seconds": "60"}, "positive"),
        ({"shard": 0, "scheduled_time": "2024-03-01T10:00:00Z", "region": "x"}, "unknown keys"),
    ],
)
def test_bad_events_are_refused_clearly(event: Any, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_invocation(event, SETTINGS)
    assert message in str(info.value) and "what to do" in str(info.value)
    if isinstance(event, dict) and "no time zone" not in message:
        assert isinstance(info.value, InvalidInvocationError)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "VTS_KAFKA_BOOTSTRAP": "b1:9098,b2:9098",
        "VTS_KAFKA_AUTH": "iam",
        "VTS_SCENARIO": "town",
        "VTS_SEED": "42",
        "VTS_FLEET_VEHICLES": "1000",
        "VTS_FLEET_SHARDS": "8",
        "VTS_WINDOW_SECONDS": "300",
        "VTS_TOPIC_PREFIX": "prod.",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VTS_KAFKA_SECRET_ARN", raising=False)
    s = SimulatorSettings.from_env()
    assert s == SimulatorSettings("b1:9098,b2:9098", "iam", None, "town", 42, 1000, 8, 300, "prod.")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("VTS_KAFKA_BOOTSTRAP", "", "VTS_KAFKA_BOOTSTRAP"),
        ("VTS_SEED", "seven", "whole number"),
        ("VTS_FLEET_SHARDS", "0", "at least 1"),
        ("VTS_FLEET_SHARDS", "500", "no larger"),
        ("VTS_SCENARIO", "moon", "scenario"),
    ],
)
def test_bad_settings(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv("VTS_KAFKA_BOOTSTRAP", "b:9092")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        SimulatorSettings.from_env()
