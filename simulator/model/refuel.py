"""Where each vehicle refuels: its plans' cycle of weeks and the fills along it.

The plans (``week``) repeat in a cycle of ``weeks`` weeks (1..``MAX_WEEKS``) chosen so
that the cycle's distance splits into ``refuels`` equal gaps of about ``REFUEL_AT_RANGE``
of the vehicle's range. Each refuel is a detour from a leg's start to the nearest
fuel/charging station (a dwell there) and on to the leg's destination. The tank is filled
to 100 % at each stop, so the level is 100 % minus the distance since the last fill (over
the range): a closed-form function of the distance into the cycle (``plan.fuel_pct``), no
history to replay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model import routes
from simulator.model.hashing import salt, uniform
from simulator.model.scenario import Scenario
from simulator.model.week import DAYS_PER_WEEK, Vehicles, Week, WeekLegs, faster_turn

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

MAX_WEEKS = 8
REFUEL_AT_RANGE = 0.80  # a fill every ~80 % of the range: the tank is at ~20 % when filled
KEY = 1 << 40  # sort keys: vehicle * KEY + distance (mm)


def cycle_size(day_mm: I64, range_km: F64) -> tuple[I64, I64]:
    """(weeks, fills) per vehicle: each gap between fills close to ``REFUEL_AT_RANGE`` of
    the range."""
    n = day_mm.shape[0]
    range_mm = range_km * 1e6
    week_mm = day_mm.sum(axis=1)
    w = np.arange(1, MAX_WEEKS + 1)[None, :]
    fills = np.maximum(np.rint(w * week_mm[:, None] / (REFUEL_AT_RANGE * range_mm[:, None])), 1)
    score = np.abs(w * week_mm[:, None] / fills / range_mm[:, None] - REFUEL_AT_RANGE * 0.97)
    pick = np.argmin(score, axis=1)
    return (pick + 1).astype(np.int64), fills[np.arange(n), pick].astype(np.int64)


@dataclass(frozen=True, eq=False)
class CycleLegs:
    """The legs of every day of each vehicle's cycle (vehicle-major), before refuels."""

    vehicle: I64
    cycle_day: I64
    within_day: I64  # leg number within its day
    week_leg: I64  # the leg of the weekly plan it is
    start_mm: I64  # distance into the cycle at its start
    first: I64  # per vehicle: its first cycle leg
    count: I64  # per vehicle
    cycle_mm: I64  # per vehicle: the cycle's distance


def cycle_legs(week: Week, leg_mm: I64, period_days: I64) -> CycleLegs:
    n = week.day_count.shape[0]
    cycle_days = DAYS_PER_WEEK * MAX_WEEKS
    day_count = np.stack([week.day_count[:, c % 7] for c in range(cycle_days)], axis=1)
    day_count = np.where(np.arange(cycle_days)[None, :] < period_days[:, None], day_count, 0)
    count = day_count.sum(axis=1)
    vehicle = np.repeat(np.arange(n), count)
    cycle_day = np.repeat(np.tile(np.arange(cycle_days), n), day_count.ravel())
    first = np.cumsum(count) - count
    first_of_day = np.cumsum(day_count.ravel()) - day_count.ravel()
    within = np.arange(vehicle.size) - first_of_day[vehicle * cycle_days + cycle_day]
    week_leg = week.day_first[vehicle, cycle_day % 7] + within
    mm = leg_mm[week_leg]
    end_mm = np.cumsum(mm)
    start_mm = end_mm - mm - (end_mm - mm)[first][vehicle]
    cycle_mm = np.add.reduceat(mm, first) if vehicle.size else np.zeros(n, dtype=np.int64)
    return CycleLegs(vehicle, cycle_day, within, week_leg, start_mm, first, count, cycle_mm)


@dataclass(frozen=True, eq=False)
class Refuels:
    """Each vehicle's fills (vehicle-major): detours to a station from a cycle leg's start."""

    cycle_leg: I64  # the cycle leg the detour replaces
    vehicle: I64
    count: I64  # per vehicle
    first: I64  # per vehicle
    station: I64
    hfirst: Bool  # (fills, 2): turn order of the two detour legs
    extra_mm: I64  # the detour's distance beyond the leg's
    fill_mm: I64  # distance into the cycle at the fill (arrival at the station)
    dwell_us: I64


def refuels(
    sc: Scenario, seed: int, vehicles: Vehicles, legs: WeekLegs, cycle: CycleLegs, fills: I64
) -> Refuels:
    """The fills: at the cycle leg whose start is nearest ``phi + k * gap`` (a leg picked
    twice fills once), each a detour to the station nearest the leg's start."""
    n = vehicles.index.size
    gap = cycle.cycle_mm / fills
    fill_vehicle = np.repeat(np.arange(n), fills)
    k = np.arange(fill_vehicle.size) - (np.cumsum(fills) - fills)[fill_vehicle]
    phi = uniform(salt(sc.name, seed, "refuel-phase"), vehicles.index) * gap
    target = np.rint(phi[fill_vehicle] + k * gap[fill_vehicle]).astype(np.int64)
    key = cycle.vehicle * KEY + cycle.start_mm
    pos = np.searchsorted(key, fill_vehicle * KEY + target)
    lowest = cycle.first[fill_vehicle]
    highest = lowest + cycle.count[fill_vehicle] - 1
    below, above = np.clip(pos - 1, lowest, highest), np.clip(pos, lowest, highest)
    nearer_above = np.abs(cycle.start_mm[above] - target) < np.abs(cycle.start_mm[below] - target)
    picked = np.where(nearer_above, above, below)
    picked = np.unique(fill_vehicle.astype(np.int64) * (1 << 32) + picked) % (1 << 32)
    fill_vehicle = cycle.vehicle[picked]
    count = np.bincount(fill_vehicle, minlength=n)
    week_leg = cycle.week_leg[picked]
    a, b = legs.from_node[week_leg], legs.to_node[week_leg]
    station = _nearest_station(sc, a, b)
    first = np.cumsum(count) - count
    code = vehicles.index[fill_vehicle] * 4096 + np.arange(picked.size) - first[fill_vehicle]
    hfirst = np.stack(
        [
            faster_turn(sc, x, y, uniform(salt(sc.name, seed, "refuel-order", i), code))
            for i, (x, y) in enumerate(((a, station), (station, b)))
        ],
        1,
    )
    to_station = routes.length_mm(sc, a, station, hfirst[:, 0])
    extra = to_station + routes.length_mm(sc, station, b, hfirst[:, 1]) - legs.mm[week_leg]
    extra_before = np.cumsum(extra) - extra
    extra_before = extra_before - extra_before[first][fill_vehicle]
    u = uniform(salt(sc.name, seed, "refuel-dwell"), code)
    dwell_s = np.where(vehicles.electric[fill_vehicle], 1500.0 + 1200.0 * u, 240.0 + 240.0 * u)
    return Refuels(
        cycle_leg=picked,
        vehicle=fill_vehicle,
        count=count,
        first=first,
        station=station,
        hfirst=hfirst,
        extra_mm=extra,
        fill_mm=cycle.start_mm[picked] + extra_before + to_station,
        dwell_us=np.rint(dwell_s * 1e6).astype(np.int64),
    )


def cycle_day_mm(day_mm: I64, period_days: I64, cycle: CycleLegs, refuels: Refuels) -> I64:
    """(vehicles, 7 * MAX_WEEKS + 1): distance into the cycle at each cycle day's start,
    the plan's legs plus the detours before it."""
    n = day_mm.shape[0]
    cycle_days = DAYS_PER_WEEK * MAX_WEEKS
    base = np.zeros((n, cycle_days + 1), dtype=np.int64)
    in_cycle = np.arange(cycle_days)[None, :] < period_days[:, None]
    base[:, 1:] = np.cumsum(np.where(in_cycle, day_mm[:, np.arange(cycle_days) % 7], 0), 1)
    extra_by_day = np.zeros((n, cycle_days + 1), dtype=np.int64)
    np.add.at(
        extra_by_day, (refuels.vehicle, cycle.cycle_day[refuels.cycle_leg] + 1), refuels.extra_mm
    )
    return np.asarray(base + np.cumsum(extra_by_day, axis=1))


def _nearest_station(sc: Scenario, a: I64, b: I64) -> I64:
    """The fuel station nearest ``a`` in grid steps that is neither ``a`` nor ``b``."""
    cols = sc.cols
    f = sc.fuel_node[None, :]
    d = np.abs(f // cols - a[:, None] // cols) + np.abs(f % cols - a[:, None] % cols)
    d = np.where((f == a[:, None]) | (f == b[:, None]), 1 << 30, d)
    return np.asarray(sc.fuel_node[np.argmin(d, axis=1)], dtype=np.int64)
