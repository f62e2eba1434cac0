"""``make demo``'s span: a moving fleet whatever the hour it runs (checked against what the
simulator drives; the demo itself runs in tests/e2e/test_demo.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from simulator.model.generate import generate
from vts.demo import demo_span


def _driving(start: datetime, minutes: float, vehicles: int = 100) -> float:
    """The share of the fleet whose odometer advances in the span."""
    batch = generate("city", 42, start, minutes * 60, vehicles=vehicles, tick_seconds=10)
    telemetry = batch["vehicle_data"].to_records()
    odometer: dict[str, list[float]] = {}
    for row in telemetry:
        odometer.setdefault(row["vehicle_id"], []).append(row["odometer_km"])
    return float(np.mean([max(o) - min(o) > 0.01 for o in odometer.values()]))


@pytest.mark.parametrize("hour", [1.2, 9.7, 11.0, 12.4, 12.6, 17.0, 23.9])
def test_the_span_drives_nine_in_ten_vehicles_on_every_day_of_the_week(hour: float) -> None:
    for day in range(7):  # Monday 2026-11-30 .. Sunday 2026-12-06
        now = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(days=day, hours=hour)
        span = demo_span(30, now)
        assert span.end <= now and span.end - span.start == timedelta(minutes=30)
        assert _driving(span.start, 30) >= 0.9, (now, span)


def test_at_night_the_last_busy_hours_and_by_day_the_minutes_before_now() -> None:
    night = demo_span(30, datetime(2026, 12, 6, 1, 10, tzinfo=UTC))
    assert (night.start, night.end) == (
        datetime(2026, 12, 5, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 5, 12, 30, tzinfo=UTC),
    )
    assert str(night) == (
        "2026-12-05 12:00-12:30 UTC (the fleet's busy hours, 09:30-12:30 UTC, most recently)"
    )
    day = demo_span(30, datetime(2026, 12, 6, 11, 0, 42, tzinfo=UTC))
    assert (day.start, day.end, day.reason) == (
        datetime(2026, 12, 6, 10, 30, tzinfo=UTC),
        datetime(2026, 12, 6, 11, 0, tzinfo=UTC),
        "the minutes before now",
    )
    # the minutes before 01:10 are what the demo used to simulate: a parked fleet
    assert _driving(datetime(2026, 12, 6, 0, 40, tzinfo=UTC), 30) < 0.1
