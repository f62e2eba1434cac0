"""Windows: parsing times and durations, scheduled windows, walking a span."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulator.exceptions import BadWindowError
from simulator.model.window import (
    Window,
    iso,
    parse_duration,
    parse_time,
    scheduled_window,
    windows,
)


def test_parse_time() -> None:
    assert parse_time("2024-03-01T10:00:00Z") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert parse_time("2024-03-01T12:00:00+02:00") == datetime(2024, 3, 1, 10, tzinfo=UTC)
    with pytest.raises(BadWindowError, match="no time zone"):
        parse_time("2024-03-01T10:00:00")
    with pytest.raises(BadWindowError, match="ISO 8601"):
        parse_time("yesterday")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("10m", 600), ("2h", 7200), ("1.5", 1.5), ("250ms", 0.25)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "-5m", "0s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(BadWindowError):
        parse_duration(text)


def test_scheduled_window_is_the_time_before_the_schedule() -> None:
    w = scheduled_window(datetime(2024, 3, 1, 10, 1, 0, 731_000, tzinfo=UTC), 60)
    assert w.start == datetime(2024, 3, 1, 10, 0, tzinfo=UTC) and w.seconds == 60
    assert w.end == datetime(2024, 3, 1, 10, 1, tzinfo=UTC)
    assert iso(w.start) == "2024-03-01T10:00:00Z"


def test_windows_tile_a_span() -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    ws = list(windows(start, 150, 60))
    assert [w.seconds for w in ws] == [60, 60, 30]
    assert all(a.end == b.start for a, b in zip(ws, ws[1:], strict=False))
    assert ws[-1].end == start + timedelta(seconds=150)


def test_windows_must_be_aware_and_positive() -> None:
    with pytest.raises(BadWindowError):
        Window(datetime(2024, 3, 1), 10)
    with pytest.raises(BadWindowError):
        Window(datetime(2024, 3, 1, tzinfo=UTC), 0)
