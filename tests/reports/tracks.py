"""Hand-built tracks: a vehicle driving east along a straight line, piece by piece.

``drive(seconds, kmh)`` moves at a constant speed, ``park(seconds)`` stands still; fixes
come every ``tick`` seconds and report the mean speed since the previous fix (as the
simulator's ``vehicle_data`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from vts.geo import offset
from vts.rules.track import Track

LAT0, LON0 = 51.5, -0.12


def epoch(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@dataclass
class TrackBuilder:
    start: float
    tick: float = 10.0
    vehicle_id: str = "V-TEST"
    east_m: float = 0.0
    t: float = field(init=False)
    rows: list[tuple[float, float, float]] = field(default_factory=list)  # t, east, kmh
    fuel: float = 60.0

    def __post_init__(self) -> None:
        self.t = self.start
        self.rows.append((self.t, self.east_m, 0.0))

    def drive(self, seconds: float, kmh: float) -> TrackBuilder:
        for _ in range(int(round(seconds / self.tick))):
            self.t += self.tick
            self.east_m += kmh / 3.6 * self.tick
            self.rows.append((self.t, self.east_m, kmh))
        return self

    def park(self, seconds: float) -> TrackBuilder:
        return self.drive(seconds, 0.0)

    def silence(self, seconds: float, then_east_m: float = 0.0) -> TrackBuilder:
        """No fixes for ``seconds``; the next fix is ``then_east_m`` farther east."""
        self.t += seconds
        self.east_m += then_east_m
        self.rows.append((self.t, self.east_m, 0.0))
        return self

    def track(self) -> Track:
        t, east, kmh = (np.array(c, dtype=np.float64) for c in zip(*self.rows, strict=True))
        lat, lon = offset(np.full(t.size, LAT0), np.full(t.size, LON0), np.zeros(t.size), east)
        nan = np.full(t.size, np.nan)
        odo = 1000.0 + east / 1000.0
        fuel = self.fuel - east / 1000.0 * 0.1
        return Track(self.vehicle_id, t, lat, lon, kmh, np.full(t.size, 90.0), odo, fuel, nan)
