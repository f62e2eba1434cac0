"""Where incidents are: at their reporter's position at the report time (see ``incidents``).

Every shard places every incident the same way (the reporter's drive without incident
slowdowns, from its own fleet index), so the slowdowns a vehicle meets are the same in
the whole fleet and in any shard.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model import fleet as fleet_mod
from simulator.model import timeline
from simulator.model.incidents import Incidents, Schedule, incident_slots, schedule, slow_factor
from simulator.model.scenario import load

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


@functools.lru_cache(maxsize=8)
def placed(scenario: str, seed: int, size: int, day: int) -> Placed:
    """All incidents (every slot) reported on day ``day``, placed at their reporters."""
    sc = load(scenario)
    slots = np.arange(incident_slots(size), dtype=np.int64)
    sch = schedule(sc, seed, size, slots, day * DAY_MS, (day + 1) * DAY_MS)
    if len(sch) == 0:
        empty = np.empty(0)
        return Placed(sch, np.empty(0, dtype=np.int64), empty, empty)
    reporters, which = np.unique(sch.reporter, return_inverse=True)
    rf = fleet_mod.build_indices(sc, seed, reporters, size)
    st = timeline.state(rf, which, sch.reported_ms * 1000, with_incidents=False)
    return Placed(sch, st.edge, st.lat, st.lon)


def incidents_near(fleet: fleet_mod.Fleet, day: int) -> Incidents:
    """The incidents that can touch the walks of day ``day`` (active within two days of it)."""
    parts = [
        placed(fleet.scenario.name, fleet.seed, fleet.size, u) for u in (day - 1, day, day + 1)
    ]
    lo, hi = day * DAY_MS, (day + 2) * DAY_MS
    edges, act, res, fac, rows = [], [], [], [], []
    for p in parts:
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
