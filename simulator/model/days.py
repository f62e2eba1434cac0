"""A fleet's days, in the model's stages (each one cached, each one a pure function).

Incidents slow the vehicles that meet them, and an incident is where its reporter is when
it reports it, so the stages run in this order:

1. ``walk_without_incidents``: the day as every vehicle would drive it without incidents;
2. ``placed``: every incident reported on a day, at its reporter's position on stage 1's
   walk (so every shard places it the same way, from the reporter's own fleet index);
3. ``walk``: the day driven meeting the incidents placed near it (``placement``).

``state`` is a vehicle's true state on stage 3's walk, the one the events show.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from simulator.model import fleet as fleet_mod
from simulator.model import timeline
from simulator.model.fleet import Fleet
from simulator.model.incidents import Incidents, incident_slots, schedule
from simulator.model.placement import DAY_MS, Placed, incidents_near
from simulator.model.scenario import load

I64 = npt.NDArray[np.int64]

WALKS_CACHED = 32  # a month of days per stage (a window needs one or two)


def walk_without_incidents(fleet: Fleet, day: int, vehicles: I64 | None = None) -> timeline.Walk:
    """Stage 1: day ``day`` of the fleet without incidents, walked at least for ``vehicles``
    (all by default)."""
    w = _walk_without_incidents(fleet, day)
    w.ensure(vehicles)
    return w


@functools.lru_cache(maxsize=WALKS_CACHED)
def _walk_without_incidents(fleet: Fleet, day: int) -> timeline.Walk:
    return timeline.new_walk(fleet, day, Incidents.none())


@functools.lru_cache(maxsize=8)
def placed(scenario: str, seed: int, size: int, day: int) -> Placed:
    """Stage 2: all incidents (every slot) reported on day ``day``, placed at their reporters
    (as they drive on stage 1's walk)."""
    sc = load(scenario)
    slots = np.arange(incident_slots(size), dtype=np.int64)
    sch = schedule(sc, seed, size, slots, day * DAY_MS, (day + 1) * DAY_MS)
    if len(sch) == 0:
        return Placed.nothing(sch)
    reporters, which = np.unique(sch.reporter, return_inverse=True)
    reporter_fleet = fleet_mod.build_indices(sc, seed, reporters, size)
    at = timeline.state(reporter_fleet, which, sch.reported_ms * 1000, walk_without_incidents)
    return Placed(sch, at.edge, at.lat, at.lon)


def walk(fleet: Fleet, day: int, vehicles: I64 | None = None) -> timeline.Walk:
    """Stage 3: day ``day`` of the fleet meeting the incidents placed near it, walked at
    least for ``vehicles`` (all by default)."""
    w = _walk(fleet, day)
    w.ensure(vehicles)
    return w


@functools.lru_cache(maxsize=WALKS_CACHED)
def _walk(fleet: Fleet, day: int) -> timeline.Walk:
    around = [
        placed(fleet.scenario.name, fleet.seed, fleet.size, u) for u in (day - 1, day, day + 1)
    ]
    return timeline.new_walk(fleet, day, incidents_near(day, around))


def state(fleet: Fleet, vehicle: I64, t_us: I64) -> timeline.State:
    """True state of ``fleet`` vehicles ``vehicle`` at ``t_us`` (1-d, equally long): on
    stage 3's walks, as the events show it."""
    return timeline.state(fleet, vehicle, t_us, walk)
