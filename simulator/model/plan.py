"""Each vehicle's plans: which places it drives to on each day, and where it refuels.

A vehicle has one plan per day of the week (``DAYS_PER_WEEK`` plans, all different): from
home (a depot for vans, trucks and buses, a rank for taxis, a house for private cars) to a
few places and back home. Its places are drawn per weekday (buses ride one fixed route of
stops over and over); the number of legs is as many as fit in the shift when every leg is
driven slowly (``PLAN_SPEED`` of the driver's normal speed, ``JUNCTION_S`` at every
junction, ``LEG_ALLOWANCE_S`` a leg for incidents). Drives are faster than that in nearly
all conditions, and shifts end hours before the next day's start, so a day's drive ends
before the next day begins (``tests/simulator/test_dynamics.py`` checks a month of it).

Fuel: the plans repeat in a cycle of ``weeks`` weeks (1..``MAX_WEEKS``) chosen so that the
cycle's distance splits into ``refuels`` equal gaps of about ``REFUEL_AT_RANGE`` of the
vehicle's range. Each refuel is a detour from a leg's start to the nearest fuel/charging
station (a dwell there) and on to the leg's destination. The tank is filled to 100 % at
each stop, so the level is 100 % minus the distance since the last fill (over the range):
a closed-form function of the distance into the cycle — no history to replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt

from simulator.model import routes
from simulator.model.hashing import integers, salt, uniform
from simulator.model.scenario import Scenario

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

DAYS_PER_WEEK = 7
MAX_WEEKS = 8
PLAN_SPEED = 0.85  # planned cruise as a share of the driver's normal speed
JUNCTION_S = 10.0  # planned time lost at a junction (lights), besides braking and pulling away
LEG_ALLOWANCE_S = 30.0  # per leg, for incident slowdowns
REFUEL_AT_RANGE = 0.80  # a fill every ~80 % of the range: the tank is at ~20 % when filled
BUS_STOPS = 8
KIND_PLACE, KIND_STATION, KIND_HOME = 0, 1, 2
# per vehicle type: candidate places a day, refuel time reserved in the day (s)
LEGS_PER_DAY = (24, 120, 30, 20, 140)
REFUEL_RESERVE_S = (4200.0, 9000.0, 4200.0, 2400.0, 4200.0)
BUS = 4
_KEY = 1 << 40  # sort keys: vehicle * _KEY + distance (mm)


@dataclass(frozen=True, eq=False)
class Plan:
    """Vehicles' weekly plans (legs flattened vehicle-major, weekday, leg) and refuels."""

    leg_from: I64
    leg_to: I64
    leg_hfirst: Bool
    leg_mm: I64
    leg_dwell_us: I64  # dwell at the destination after arriving (0 for the leg home)
    leg_kind: I64
    day_first: I64  # (vehicles, 7): first leg of each weekday's plan
    day_count: I64  # (vehicles, 7): its legs
    weeks: I64
    phase_days: I64
    refuels: I64  # fills per cycle
    ref_first: I64  # (vehicles,) first refuel of the vehicle in the ref_* arrays
    ref_count: I64
    ref_cday: I64  # cycle day of each refuel
    ref_leg: I64  # the base leg (number within its day) the detour replaces
    ref_station: I64  # the station node
    ref_hfirst: Bool  # (refuels, 2): turn order of the two detour legs
    ref_dwell_us: I64
    ref_fill_mm: I64  # distance into the cycle where the fill happens (arrival at the station)
    cycle_day_mm: I64  # (vehicles, 7 * MAX_WEEKS + 1): distance into the cycle at day starts
    cycle_mm: I64


@dataclass(frozen=True, eq=False)
class DayLegs:
    """The legs of one day of some vehicles (flattened vehicle-major, in driving order)."""

    row: I64  # which of the asked vehicles
    number: I64  # leg number within the day
    start_node: I64
    end_node: I64
    hfirst: Bool
    mm: I64
    dwell_us: I64
    kind: I64
    refuel: I64  # index into the plan's ref_* arrays for a leg to a station, else -1
    first: I64  # (asked vehicles,) first leg of each
    count: I64
    offset_mm: I64  # distance into the day at the leg's start


def _places(sc: Scenario, seed: int, index: I64, home: I64, bus: Bool, m: int) -> I64:
    """(vehicles, 7, m) candidate places: distinct from home and from the previous one."""
    n_places = sc.place_node.size
    wd = np.arange(DAYS_PER_WEEK)[None, :, None]
    j = np.arange(m)[None, None, :]
    s = salt(sc.name, seed, "day-place")
    pos = integers(s, n_places, index[:, None, None] * 8 + wd, j)
    route = integers(salt(sc.name, seed, "bus-route"), n_places, index[:, None], np.arange(8))
    for i in range(1, BUS_STOPS):
        same = route[:, i] == route[:, i - 1]
        route[:, i] = np.where(same, (route[:, i] + 1) % n_places, route[:, i])
    pos = np.where(bus[:, None, None], route[:, None, :][:, :, np.arange(m) % BUS_STOPS], pos)
    node = sc.place_node[pos]
    node = np.where(node == home[:, None, None], sc.place_node[(pos + 1) % n_places], node)
    for i in range(1, m):
        clash = node[:, :, i] == node[:, :, i - 1]
        shifted = sc.place_node[(pos[:, :, i] + 2) % n_places]
        other = sc.place_node[(pos[:, :, i] + 3) % n_places]
        shifted = np.where(shifted == home[:, None], other, shifted)
        node[:, :, i] = np.where(clash, shifted, node[:, :, i])
    return np.asarray(node, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Vehicles:
    """What the plans are drawn from: one entry per vehicle."""

    index: I64  # fleet index (what the draws are keyed by)
    type_code: I64  # index into ``LEGS_PER_DAY`` and ``REFUEL_RESERVE_S``
    home_node: I64
    driver_factor: F64  # normal cruise as a share of the limit
    ramp_s: F64  # braking to a stop and pulling away to cruise again
    shift_us: I64
    dwell_min_s: F64
    dwell_max_s: F64
    range_km: F64
    electric: Bool


def build(sc: Scenario, seed: int, vehicles: Vehicles) -> Plan:
    """The weekly plans of ``vehicles`` and their refuelling cycle, in stages: the legs of
    each weekday, the cycle's length and fills, the cycle's legs, the refuel detours, and
    the distance into the cycle at each of its days."""
    n = vehicles.index.size
    legs = _week_legs(sc, seed, vehicles)
    week = _week(legs, n)
    weeks, fills = _cycle_size(week.day_mm, vehicles.range_km)
    period_days = weeks * DAYS_PER_WEEK
    phase = (uniform(salt(sc.name, seed, "cycle-phase"), vehicles.index) * period_days).astype(
        np.int64
    )
    cycle = _cycle_legs(week, legs.mm, period_days)
    refuels = _refuels(sc, seed, vehicles, legs, cycle, fills)
    cycle_day_mm = _cycle_day_mm(week.day_mm, period_days, cycle, refuels)
    return Plan(
        leg_from=legs.from_node,
        leg_to=legs.to_node,
        leg_hfirst=legs.hfirst,
        leg_mm=legs.mm,
        leg_dwell_us=legs.dwell_us,
        leg_kind=legs.kind,
        day_first=week.day_first,
        day_count=week.day_count,
        weeks=weeks,
        phase_days=phase,
        refuels=refuels.count,
        ref_first=refuels.first,
        ref_count=refuels.count,
        ref_cday=cycle.cycle_day[refuels.cycle_leg],
        ref_leg=cycle.within_day[refuels.cycle_leg],
        ref_station=refuels.station,
        ref_hfirst=refuels.hfirst,
        ref_dwell_us=refuels.dwell_us,
        ref_fill_mm=refuels.fill_mm,
        cycle_day_mm=cycle_day_mm,
        cycle_mm=cycle_day_mm[np.arange(n), period_days],
    )


@dataclass(frozen=True, eq=False)
class _WeekLegs:
    """Every vehicle's legs of every weekday, flattened vehicle-major, weekday, leg."""

    from_node: I64
    to_node: I64
    hfirst: Bool
    mm: I64
    dwell_us: I64
    kind: I64
    vehicle: I64  # row in the vehicles
    weekday: I64


def _week_legs(sc: Scenario, seed: int, vehicles: Vehicles) -> _WeekLegs:
    """The legs of each vehicle's weekday plans, drawn per vehicle type."""
    parts = [
        _legs_of_type(sc, seed, vehicles, vtype, members)
        for vtype in range(len(LEGS_PER_DAY))
        if (members := np.flatnonzero(vehicles.type_code == vtype)).size
    ]
    if not parts:  # no vehicles (an empty shard)
        parts = [cast(_LegColumns, (np.zeros(0, dtype=np.int64),) * 7)]
    from_node, to_node, hfirst, dwell_us, kind, vehicle, key = (
        np.concatenate(column) for column in zip(*parts, strict=True)
    )
    order = np.lexsort((key, vehicle))
    from_node = from_node[order].astype(np.int64)
    to_node = to_node[order].astype(np.int64)
    hfirst = hfirst[order]
    return _WeekLegs(
        from_node=from_node,
        to_node=to_node,
        hfirst=hfirst,
        mm=routes.length_mm(sc, from_node, to_node, hfirst),
        dwell_us=dwell_us[order].astype(np.int64),
        kind=kind[order].astype(np.int64),
        vehicle=vehicle[order],
        weekday=key[order] // 1024,
    )


_LegColumns = tuple[I64, I64, Bool, F64, I64, I64, I64]


def _legs_of_type(
    sc: Scenario, seed: int, vehicles: Vehicles, vtype: int, members: I64
) -> _LegColumns:
    """(from, to, hfirst, dwell µs, kind, vehicle, sort key) of the legs of ``members``, all of
    type ``vtype``: each weekday, as many of its candidate places as fit, then home."""
    candidates = LEGS_PER_DAY[vtype]
    index, home = vehicles.index[members], vehicles.home_node[members]
    places = _places(sc, seed, index, home, np.full(members.size, vtype == BUS), candidates)
    weekday = np.arange(DAYS_PER_WEEK)[None, :, None]
    number = np.arange(candidates)[None, None, :]
    code = index[:, None, None] * 1024 + weekday * 128 + number
    at_home = np.broadcast_to(home[:, None, None], (members.size, DAYS_PER_WEEK, 1))
    start = np.concatenate([at_home, places[:, :, :-1]], axis=2)
    out_hfirst, out_limit_s = _faster(
        sc, start, places, uniform(salt(sc.name, seed, "leg-order"), code)
    )
    homes = np.broadcast_to(home[:, None, None], places.shape)
    back_hfirst, back_limit_s = _faster(
        sc, places, homes, uniform(salt(sc.name, seed, "leg-order-home"), code)
    )
    lo = vehicles.dwell_min_s[members][:, None, None]
    hi = vehicles.dwell_max_s[members][:, None, None]
    dwell_s = lo + (hi - lo) * uniform(salt(sc.name, seed, "dwell"), code)
    slowest = _Slowest(sc, vehicles, members)
    cum = np.cumsum(slowest.leg_s(start, places, out_limit_s) + dwell_s, axis=2)
    total = cum + slowest.leg_s(places, homes, back_limit_s)
    budget = (vehicles.shift_us[members] / 1e6 - REFUEL_RESERVE_S[vtype])[:, None, None]
    ok = total <= budget
    fits = np.where(ok.all(axis=2), candidates, np.argmin(ok, axis=2))  # leading places that fit
    places_per_day = np.maximum(fits, 1)  # (members, 7)
    keep = number < places_per_day[:, :, None]
    # each day: its legs out, then the leg home from the last place
    last = (places_per_day - 1)[:, :, None]
    last_place = np.take_along_axis(places, last, axis=2)[:, :, 0]
    last_back_hfirst = np.take_along_axis(back_hfirst, last, axis=2)[:, :, 0]
    days = members.size * DAYS_PER_WEEK
    going_out = int(keep.sum())
    # sort key: weekday * 1024 + leg number, the leg home last (1023)
    out_key = np.broadcast_to(weekday, places.shape)[keep] * 1024
    out_key = out_key + np.broadcast_to(number, places.shape)[keep]
    home_key = np.tile(np.arange(DAYS_PER_WEEK), members.size) * 1024 + 1023
    return (
        np.concatenate([start[keep], last_place.ravel()]),
        np.concatenate([places[keep], home.repeat(DAYS_PER_WEEK)]),
        np.concatenate([out_hfirst[keep], last_back_hfirst.ravel()]),
        np.concatenate([np.rint(dwell_s[keep] * 1e6), np.zeros(days)]),
        np.concatenate([np.full(going_out, KIND_PLACE), np.full(days, KIND_HOME)]),
        np.concatenate(
            [np.broadcast_to(members[:, None, None], places.shape)[keep], members.repeat(7)]
        ),
        np.concatenate([out_key, home_key]),
    )


class _Slowest:
    """A leg's time as planned: at ``PLAN_SPEED`` of the driver's speed, with ``JUNCTION_S``
    and a ramp at every junction and ``LEG_ALLOWANCE_S`` for incidents."""

    def __init__(self, sc: Scenario, vehicles: Vehicles, members: I64) -> None:
        self.sc = sc
        self.cruise_factor = (vehicles.driver_factor[members] * PLAN_SPEED)[:, None, None]
        self.junction_s = (JUNCTION_S + 0.5 * vehicles.ramp_s[members])[:, None, None]

    def leg_s(self, start: I64, end: I64, at_limit_s: F64) -> F64:
        steps = routes.steps(self.sc, start, end)
        return np.asarray(
            at_limit_s / self.cruise_factor + steps * self.junction_s + LEG_ALLOWANCE_S
        )


@dataclass(frozen=True, eq=False)
class _Week:
    """Per vehicle and weekday: the first leg, the leg count, and the distance (mm)."""

    day_first: I64  # (vehicles, 7)
    day_count: I64
    day_mm: I64


def _week(legs: _WeekLegs, n: int) -> _Week:
    day_key = legs.vehicle * DAYS_PER_WEEK + legs.weekday
    day_count = np.bincount(day_key, minlength=n * 7).reshape(n, 7)
    day_first = (np.cumsum(day_count.ravel()) - day_count.ravel()).reshape(n, 7)
    day_mm = np.bincount(day_key, weights=legs.mm, minlength=n * 7).reshape(n, 7)
    return _Week(day_first, day_count, np.rint(day_mm).astype(np.int64))


def _cycle_size(day_mm: I64, range_km: F64) -> tuple[I64, I64]:
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
class _CycleLegs:
    """The legs of every day of each vehicle's cycle (vehicle-major), before refuels."""

    vehicle: I64
    cycle_day: I64
    within_day: I64  # leg number within its day
    week_leg: I64  # the leg of the weekly plan it is
    start_mm: I64  # distance into the cycle at its start
    first: I64  # per vehicle: its first cycle leg
    count: I64  # per vehicle
    cycle_mm: I64  # per vehicle: the cycle's distance


def _cycle_legs(week: _Week, leg_mm: I64, period_days: I64) -> _CycleLegs:
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
    return _CycleLegs(vehicle, cycle_day, within, week_leg, start_mm, first, count, cycle_mm)


@dataclass(frozen=True, eq=False)
class _Refuels:
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


def _refuels(
    sc: Scenario, seed: int, vehicles: Vehicles, legs: _WeekLegs, cycle: _CycleLegs, fills: I64
) -> _Refuels:
    """The fills: at the cycle leg whose start is nearest ``phi + k * gap`` (a leg picked
    twice fills once), each a detour to the station nearest the leg's start."""
    n = vehicles.index.size
    gap = cycle.cycle_mm / fills
    fill_vehicle = np.repeat(np.arange(n), fills)
    k = np.arange(fill_vehicle.size) - (np.cumsum(fills) - fills)[fill_vehicle]
    phi = uniform(salt(sc.name, seed, "refuel-phase"), vehicles.index) * gap
    target = np.rint(phi[fill_vehicle] + k * gap[fill_vehicle]).astype(np.int64)
    key = cycle.vehicle * _KEY + cycle.start_mm
    pos = np.searchsorted(key, fill_vehicle * _KEY + target)
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
    return _Refuels(
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


def _cycle_day_mm(day_mm: I64, period_days: I64, cycle: _CycleLegs, refuels: _Refuels) -> I64:
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


def faster_turn(sc: Scenario, a: I64, b: I64, u: F64) -> Bool:
    """Drivers take the faster of a leg's two routes (row or column first); ties by ``u``."""
    return _faster(sc, a, b, u)[0]


def _faster(sc: Scenario, a: I64, b: I64, u: F64) -> tuple[Bool, F64]:
    """(``faster_turn``, that route's time at the limit)."""
    h = routes.limit_s(sc, a, b, np.ones(np.shape(a), dtype=bool))
    v = routes.limit_s(sc, a, b, np.zeros(np.shape(a), dtype=bool))
    pick = np.where(np.abs(h - v) < 1.0, u < 0.5, h < v)
    return np.asarray(pick), np.asarray(np.where(pick, h, v))


def _nearest_station(sc: Scenario, a: I64, b: I64) -> I64:
    """The fuel station nearest ``a`` in grid steps that is neither ``a`` nor ``b``."""
    cols = sc.cols
    f = sc.fuel_node[None, :]
    d = np.abs(f // cols - a[:, None] // cols) + np.abs(f % cols - a[:, None] % cols)
    d = np.where((f == a[:, None]) | (f == b[:, None]), 1 << 30, d)
    return np.asarray(sc.fuel_node[np.argmin(d, axis=1)], dtype=np.int64)


def cycle_day(plan: Plan, vehicle: I64, day: I64) -> tuple[I64, I64]:
    """(cycles completed, day within the cycle) of absolute day ``day``."""
    p = plan.weeks[vehicle] * 7
    shifted = day + plan.phase_days[vehicle]
    return np.asarray(shifted // p), np.asarray(shifted % p)


def day_start_mm(plan: Plan, vehicle: I64, day: I64) -> I64:
    """Distance driven to the start of ``day``, from a cycle before the epoch's (so the
    parking before the epoch's first day, day -1, is at a positive distance too)."""
    cycles, c = cycle_day(plan, vehicle, day)
    return np.asarray((cycles + 1) * plan.cycle_mm[vehicle] + plan.cycle_day_mm[vehicle, c])


def fuel_pct(plan: Plan, vehicle: I64, day: I64, into_day_mm: F64, range_km: F64) -> F64:
    """Fuel (battery) level after driving ``into_day_mm`` of ``day``: 100 % at each fill."""
    _, c = cycle_day(plan, vehicle, day)
    x = plan.cycle_day_mm[vehicle, c] + into_day_mm
    first, count = plan.ref_first[vehicle], plan.ref_count[vehicle]
    fills = plan.ref_fill_mm
    # the last fill strictly before x (the tank shows full once the vehicle has left)
    all_key = np.repeat(np.arange(plan.ref_first.size), plan.ref_count) * _KEY + fills
    x_up = np.ceil(x).astype(np.int64)  # fills (whole mm) strictly before x: <= ceil(x) - 1
    pos = np.searchsorted(all_key, vehicle * _KEY + x_up, side="left") - 1
    before = pos < first
    last_idx = np.where(before, first + count - 1, pos)
    last = fills[np.maximum(last_idx, 0)] - np.where(before, plan.cycle_mm[vehicle], 0)
    return np.asarray(100.0 - (x - last) / (range_km[vehicle] * 1e4))


def day_legs(sc: Scenario, plan: Plan, vehicle: I64, day: I64) -> DayLegs:
    """The legs each of ``vehicle`` drives on absolute day ``day`` (refuel detours included)."""
    _, c = cycle_day(plan, vehicle, day)
    wd = c % 7
    first, count = plan.day_first[vehicle, wd], plan.day_count[vehicle, wd]
    row = np.repeat(np.arange(vehicle.size), count)
    within = np.arange(row.size) - (np.cumsum(count) - count)[row]
    base = first[row] + within
    # refuels of the day: the plan's ref_* arrays are sorted by (vehicle, cycle day, leg)
    rkey = np.repeat(np.arange(plan.ref_first.size), plan.ref_count) * 4096 + plan.ref_cday
    want = vehicle * 4096 + c
    r_lo = np.searchsorted(rkey, want, "left")
    r_hi = np.searchsorted(rkey, want, "right")
    refuel_of = np.full(row.size, -1, dtype=np.int64)
    r_row = np.repeat(np.arange(vehicle.size), r_hi - r_lo)
    r_idx = np.arange(r_row.size) - (np.cumsum(r_hi - r_lo) - (r_hi - r_lo))[r_row] + r_lo[r_row]
    leg_pos = (np.cumsum(count) - count)[r_row] + plan.ref_leg[r_idx]
    refuel_of[leg_pos] = r_idx
    split = refuel_of >= 0
    reps = 1 + split.astype(np.int64)
    out = np.repeat(np.arange(row.size), reps)
    second = np.zeros(out.size, dtype=bool)
    second[1:] = out[1:] == out[:-1]
    is_detour_in = split[out] & ~second  # the leg to the station
    is_detour_out = split[out] & second  # the leg on from the station
    ref = refuel_of[out]
    safe = np.maximum(ref, 0)
    station = plan.ref_station[safe]
    start = np.where(is_detour_out, station, plan.leg_from[base[out]])
    end = np.where(is_detour_in, station, plan.leg_to[base[out]])
    hfirst = np.where(
        is_detour_in,
        plan.ref_hfirst[safe, 0],
        np.where(is_detour_out, plan.ref_hfirst[safe, 1], plan.leg_hfirst[base[out]]),
    )
    mm = np.where(split[out], routes.length_mm(sc, start, end, hfirst), plan.leg_mm[base[out]])
    dwell = np.where(is_detour_in, plan.ref_dwell_us[safe], plan.leg_dwell_us[base[out]])
    kind = np.where(is_detour_in, KIND_STATION, plan.leg_kind[base[out]])
    out_row = row[out]
    out_count = count + np.bincount(row[split], minlength=vehicle.size)
    out_first = np.cumsum(out_count) - out_count
    number = np.arange(out.size) - out_first[out_row]
    cum = np.cumsum(mm)
    offset = cum - mm - (cum - mm)[out_first][out_row] if out.size else cum
    return DayLegs(
        row=out_row,
        number=number,
        start_node=start,
        end_node=end,
        hfirst=hfirst,
        mm=mm,
        dwell_us=dwell,
        kind=kind,
        refuel=np.where(is_detour_in, ref, -1),
        first=out_first,
        count=out_count,
        offset_mm=offset,
    )
