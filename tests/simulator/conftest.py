"""Windows generated once per session and shared by the simulator's tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from simulator import EventBatch, generate
from tests.simulator.helpers import times_s

START = datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC)
SEED = 7


@pytest.fixture(scope="session")
def city_window() -> dict[str, EventBatch]:
    """60 vehicles for 5 minutes of the city scenario: 18,000 fixes per vehicle topic."""
    return generate("city", SEED, START, 300, vehicles=60)


@pytest.fixture(scope="session")
def long_window() -> dict[str, EventBatch]:
    """A day of 3 vehicles at one fix a minute: weather and incident lifecycles."""
    return generate("city", SEED, START, 86_400, vehicles=3, tick_seconds=60)


HOUR_START = datetime(2024, 3, 1, 7, 30, tzinfo=UTC)
HOUR_VEHICLES = 60
HOUR_SECONDS = 7200


class TruthSpan:
    """A span's events and its truth tables, with per-vehicle lookups."""

    def __init__(self, events: dict[str, EventBatch], truth: dict[str, list[dict[str, Any]]]):
        self.events, self.truth = events, truth
        c = events["vehicle_data"].columns
        self.vehicle_type = {
            v.decode(): t.decode() for v, t in zip(c["vehicle_id"], c["vehicle_type"], strict=True)
        }
        self._t = times_s(events["vehicle_data"])
        self._gt = times_s(events["gps_data"])

    def track(self, vehicle_id: str) -> tuple[np.ndarray, ...] | None:
        """(times, lat, lon, speed_kmh) of a vehicle's telemetry fixes in time order."""
        c = self.events["vehicle_data"].columns
        rows = np.flatnonzero(c["vehicle_id"] == vehicle_id.encode())
        if rows.size == 0:
            return None
        rows = rows[np.argsort(self._t[rows])]
        return self._t[rows], c["latitude"][rows], c["longitude"][rows], c["speed_kmh"][rows]

    def gps_times(self, vehicle_id: str) -> np.ndarray:
        rows = self.events["gps_data"].columns["vehicle_id"] == vehicle_id.encode()
        return np.sort(self._gt[rows])


@pytest.fixture(scope="session")
def hour() -> TruthSpan:
    """Two morning hours (rush hour) of 60 vehicles at 1 s: events and their truth."""
    from simulator.outputs.truth import truth

    events = generate("city", SEED, HOUR_START, HOUR_SECONDS, vehicles=HOUR_VEHICLES)
    return TruthSpan(events, truth("city", SEED, HOUR_START, HOUR_SECONDS, vehicles=HOUR_VEHICLES))
