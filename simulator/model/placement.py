"""Where incidents are: at their reporter's position at the report time (see ``incidents``).

Every shard places every incident the same way (the reporter's drive without incident
slowdowns, from its own fleet index), so the slowdowns a vehicle meets are the same in
the whole fleet and in any shard. ``days.placed`` finds the reporters' positions; this
module holds what is placed and picks the incidents that can touch a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model.incidents import Incidents, Schedule, slow_factor

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

DAY_MS = 86_400_000


@dataclass(frozen=True, eq=False)
class Placed:
    """The incidents reported on one UTC day (since the epoch), with their places."""

    schedule: Schedule
    edge: I64
    lat: F64
    lon: F64

    @classmethod
    def nothing(cls, schedule: Schedule) -> Placed:
        """A day on which no incident is reported (``schedule`` is empty)."""
        empty = np.empty(0)
        return cls(schedule, np.empty(0, dtype=np.int64), empty, empty)


def incidents_near(day: int, around: Sequence[Placed]) -> Incidents:
    """The incidents that can touch the walks of day ``day`` (active within two days of it),
    from ``around``: those placed on days ``day - 1``, ``day`` and ``day + 1``."""
    lo, hi = day * DAY_MS, (day + 2) * DAY_MS
    edges, act, res, fac, rows = [], [], [], [], []
    for p in around:
        sch = p.schedule
        keep = (sch.resolved_ms > lo) & (sch.active_ms < hi)
        edges.append(p.edge[keep])
        act.append(sch.active_ms[keep] * 1000)
        res.append(sch.resolved_ms[keep] * 1000)
        fac.append(slow_factor(sch.severity[keep]))
        rows.append(sch.incident_id[keep])
    return Incidents.of(
        np.concatenate(edges),
        np.concatenate(act),
        np.concatenate(res),
        np.concatenate(fac),
        np.concatenate(rows),
    )
