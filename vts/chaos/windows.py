"""The workload: consecutive windows of one fleet shard, and their ground truth.

A run of ``events`` at ``rate`` events per second produces one window per second of a fleet
sized so that a window holds about ``rate`` events (the simulator makes about two events per
vehicle-second: ``vehicle_data`` and ``gps_data``). The ground truth of a window is what the
simulator library generates for it: the same pure function the Lambda handler calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vts.contract.topics import TOPIC_NAMES

EVENTS_PER_VEHICLE_SECOND = 2.0
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Workload:
    scenario: str
    seed: int
    vehicles: int
    window_seconds: int
    windows: int
    pace_s: float = 1.0  # wall seconds between window starts

    @classmethod
    def sized(
        cls, *, events: int, rate: float, window_seconds: int, seed: int, scenario: str = "city"
    ) -> Workload:
        per_window = rate  # one window per second of wall time
        vehicles = max(1, round(per_window / (EVENTS_PER_VEHICLE_SECOND * window_seconds)))
        actual = vehicles * EVENTS_PER_VEHICLE_SECOND * window_seconds
        return cls(scenario, seed, vehicles, window_seconds, max(1, math.ceil(events / actual)))

    @property
    def duration_s(self) -> float:
        return self.windows * self.pace_s

    def event(self, index: int) -> dict[str, Any]:
        """The invocation event of window ``index`` (the manual form the Lambda accepts)."""
        start = START + timedelta(seconds=index * self.window_seconds)
        return {
            "shard": 0,
            "window_start": start.isoformat().replace("+00:00", "Z"),
            "window_seconds": self.window_seconds,
        }

    def environment(self) -> dict[str, str]:
        """The simulator settings (``VTS_*``) the handler reads for this workload."""
        return {
            "VTS_SCENARIO": self.scenario,
            "VTS_SEED": str(self.seed),
            "VTS_FLEET_VEHICLES": str(self.vehicles),
            "VTS_FLEET_SHARDS": "1",
            "VTS_WINDOW_SECONDS": str(self.window_seconds),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "vehicles": self.vehicles,
            "window_seconds": self.window_seconds,
            "windows": self.windows,
            "pace_s": self.pace_s,
        }


def ground_truth(workload: Workload, indices: Iterable[int]) -> Mapping[str, set[str]]:
    """``{table: {event_id, ...}}`` of the windows ``indices``, as the simulator makes them."""
    from simulator import generate

    truth: dict[str, set[str]] = {t: set() for t in TOPIC_NAMES}
    for i in indices:
        start = START + timedelta(seconds=i * workload.window_seconds)
        batches = generate(
            workload.scenario,
            workload.seed,
            start,
            float(workload.window_seconds),
            shard=0,
            shard_count=1,
            vehicles=workload.vehicles,
        )
        for table, batch in batches.items():
            truth[table].update(batch.event_ids.astype(str).tolist())
    return truth
