"""Each vehicle's week: which places it drives to on each day of the week.

A vehicle has one plan per day of the week (``DAYS_PER_WEEK`` plans, all different): from
home (a depot for vans, trucks and buses, a rank for taxis, a house for private cars) to a
few places and back home. Its places are drawn per weekday (buses ride one fixed route of
stops over and over); the number of legs is as many as fit in the shift when every leg is
driven slowly (``PLAN_SPEED`` of the driver's normal speed, ``JUNCTION_S`` at every
junction, ``LEG_ALLOWANCE_S`` a leg for incidents). Drives are faster than that in nearly
all conditions, and shifts end hours before the next day's start, so a day's drive ends
before the next day begins (``tests/simulator/test_dynamics.py`` checks a month of it).

The fills these weeks need: ``refuel``; the plan both make, and its days: ``plan``.
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
PLAN_SPEED = 0.85  # planned cruise as a share of the driver's normal speed
JUNCTION_S = 10.0  # planned time lost at a junction (lights), besides braking and pulling away
LEG_ALLOWANCE_S = 30.0  # per leg, for incident slowdowns
BUS_STOPS = 8
KIND_PLACE, KIND_STATION, KIND_HOME = 0, 1, 2
# per vehicle type: candidate places a day, refuel time reserved in the day (s)
LEGS_PER_DAY = (24, 120, 30, 20, 140)
REFUEL_RESERVE_S = (4200.0, 9000.0, 4200.0, 2400.0, 4200.0)
BUS = 4


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


@dataclass(frozen=True, eq=False)
class WeekLegs:
    """Every vehicle's legs of every weekday, flattened vehicle-major, weekday, leg."""

    from_node: I64
    to_node: I64
    hfirst: Bool
    mm: I64
    dwell_us: I64
    kind: I64
    vehicle: I64  # row in the vehicles
    weekday: I64


def week_legs(sc: Scenario, seed: int, vehicles: Vehicles) -> WeekLegs:
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
    return WeekLegs(
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
class Week:
    """Per vehicle and weekday: the first leg, the leg count, and the distance (mm)."""

    day_first: I64  # (vehicles, 7)
    day_count: I64
    day_mm: I64


def week(legs: WeekLegs, n: int) -> Week:
    day_key = legs.vehicle * DAYS_PER_WEEK + legs.weekday
    day_count = np.bincount(day_key, minlength=n * 7).reshape(n, 7)
    day_first = (np.cumsum(day_count.ravel()) - day_count.ravel()).reshape(n, 7)
    day_mm = np.bincount(day_key, weights=legs.mm, minlength=n * 7).reshape(n, 7)
    return Week(day_first, day_count, np.rint(day_mm).astype(np.int64))


def faster_turn(sc: Scenario, a: I64, b: I64, u: F64) -> Bool:
    """Drivers take the faster of a leg's two routes (row or column first); ties by ``u``."""
    return _faster(sc, a, b, u)[0]


def _faster(sc: Scenario, a: I64, b: I64, u: F64) -> tuple[Bool, F64]:
    """(``faster_turn``, that route's time at the limit)."""
    h = routes.limit_s(sc, a, b, np.ones(np.shape(a), dtype=bool))
    v = routes.limit_s(sc, a, b, np.zeros(np.shape(a), dtype=bool))
    pick = np.where(np.abs(h - v) < 1.0, u < 0.5, h < v)
    return np.asarray(pick), np.asarray(np.where(pick, h, v))


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
