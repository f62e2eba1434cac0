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


def build(
    sc: Scenario, seed: int, index: I64, type_code: I64, home: I64, driver: F64,
    ramp_s: F64, shift_us: I64, dwell_lo: F64, dwell_hi: F64, range_km: F64,
    electric: Bool,
) -> Plan:  # fmt: skip
    """The weekly plans of vehicles ``index`` (fleet indices) and their refuelling cycle."""
    n = index.size
    legs_from, legs_to, legs_h, legs_dwell, legs_kind, legs_v, legs_wd = [], [], [], [], [], [], []
    for t, m in enumerate(LEGS_PER_DAY):
        g = np.flatnonzero(type_code == t)
        if g.size == 0:
            continue
        p = _places(sc, seed, index[g], home[g], np.full(g.size, t == BUS), m)
        gi = index[g][:, None, None]
        wd = np.arange(DAYS_PER_WEEK)[None, :, None]
        j = np.arange(m)[None, None, :]
        code = gi * 1024 + wd * 128 + j
        at_home = np.broadcast_to(home[g][:, None, None], (g.size, 7, 1))
        start = np.concatenate([at_home, p[:, :, :-1]], axis=2)
        h_out, t_out = _faster(sc, start, p, uniform(salt(sc.name, seed, "leg-order"), code))
        homes = np.broadcast_to(home[g][:, None, None], p.shape)
        h_back, t_back = _faster(sc, p, homes, uniform(salt(sc.name, seed, "leg-order-home"), code))
        slow = (driver[g] * PLAN_SPEED)[:, None, None]
        per_junction = (JUNCTION_S + 0.5 * ramp_s[g])[:, None, None]

        def worst_s(
            a: I64, b: I64, at_limit: F64, slow: F64 = slow, per_junction: F64 = per_junction
        ) -> F64:
            return np.asarray(
                at_limit / slow + routes.steps(sc, a, b) * per_junction + LEG_ALLOWANCE_S
            )

        lo, hi = dwell_lo[g][:, None, None], dwell_hi[g][:, None, None]
        dwell_s = lo + (hi - lo) * uniform(salt(sc.name, seed, "dwell"), code)
        cum = np.cumsum(worst_s(start, p, t_out) + dwell_s, axis=2)
        total = cum + worst_s(p, homes, t_back)
        budget = (shift_us[g] / 1e6 - REFUEL_RESERVE_S[t])[:, None, None]
        ok = total <= budget
        fits = np.where(ok.all(axis=2), m, np.argmin(ok, axis=2))  # leading days that fit
        m_day = np.maximum(fits, 1)  # (g, 7)
        keep = j < m_day[:, :, None]
        # each day: its m legs out, then the leg home from the last place
        last = np.take_along_axis(p, (m_day - 1)[:, :, None], axis=2)[:, :, 0]
        last_h = np.take_along_axis(h_back, (m_day - 1)[:, :, None], axis=2)[:, :, 0]
        vv = np.broadcast_to(g[:, None, None], p.shape)
        ww = np.broadcast_to(wd, p.shape)
        legs_from.append(np.concatenate([start[keep], last.ravel()]))
        legs_to.append(np.concatenate([p[keep], home[g].repeat(7)]))
        legs_h.append(np.concatenate([h_out[keep], last_h.ravel()]))
        legs_dwell.append(np.concatenate([np.rint(dwell_s[keep] * 1e6), np.zeros(g.size * 7)]))
        legs_kind.append(
            np.concatenate([np.full(int(keep.sum()), KIND_PLACE), np.full(g.size * 7, KIND_HOME)])
        )
        # sort key: the leg home goes after the day's places
        legs_v.append(np.concatenate([vv[keep], g.repeat(7)]))
        legs_wd.append(
            np.concatenate([ww[keep] * 1024 + np.broadcast_to(j, p.shape)[keep],
                            np.tile(np.arange(7), g.size) * 1024 + 1023])
        )  # fmt: skip
    if not legs_v:  # no vehicles (an empty shard)
        for lst in (legs_from, legs_to, legs_h, legs_dwell, legs_kind, legs_v, legs_wd):
            lst.append(np.zeros(0, dtype=np.int64))
    v_all = np.concatenate(legs_v)
    order = np.lexsort((np.concatenate(legs_wd), v_all))
    leg_from = np.concatenate(legs_from)[order].astype(np.int64)
    leg_to = np.concatenate(legs_to)[order].astype(np.int64)
    leg_h = np.concatenate(legs_h)[order]
    leg_dwell = np.concatenate(legs_dwell)[order].astype(np.int64)
    leg_kind = np.concatenate(legs_kind)[order].astype(np.int64)
    leg_v = v_all[order]
    leg_wd = np.concatenate(legs_wd)[order] // 1024
    leg_mm = routes.length_mm(sc, leg_from, leg_to, leg_h)
    day_key = leg_v * 7 + leg_wd
    day_count = np.bincount(day_key, minlength=n * 7).reshape(n, 7)
    day_first = (np.cumsum(day_count.ravel()) - day_count.ravel()).reshape(n, 7)
    day_mm = np.bincount(day_key, weights=leg_mm, minlength=n * 7).reshape(n, 7)
    day_mm = np.rint(day_mm).astype(np.int64)

    # the cycle: weeks and fills so that each gap is close to REFUEL_AT_RANGE of the range
    range_mm = range_km * 1e6
    week_mm = day_mm.sum(axis=1)
    w = np.arange(1, MAX_WEEKS + 1)[None, :]
    fills = np.maximum(np.rint(w * week_mm[:, None] / (REFUEL_AT_RANGE * range_mm[:, None])), 1)
    score = np.abs(w * week_mm[:, None] / fills / range_mm[:, None] - REFUEL_AT_RANGE * 0.97)
    pick = np.argmin(score, axis=1)
    weeks = (pick + 1).astype(np.int64)
    refuels = fills[np.arange(n), pick].astype(np.int64)
    period = weeks * 7
    phase = (uniform(salt(sc.name, seed, "cycle-phase"), index) * period).astype(np.int64)

    # the cycle's legs (every day of every week of it), their distance into the cycle
    cyc_day_count = np.stack([day_count[:, c % 7] for c in range(7 * MAX_WEEKS)], axis=1)
    cyc_day_count = np.where(np.arange(7 * MAX_WEEKS)[None, :] < period[:, None], cyc_day_count, 0)
    cyc_legs = cyc_day_count.sum(axis=1)
    cv = np.repeat(np.arange(n), cyc_legs)
    cday = np.repeat(np.tile(np.arange(7 * MAX_WEEKS), n), cyc_day_count.ravel())
    first_of_v = np.cumsum(cyc_legs) - cyc_legs
    first_of_day = np.cumsum(cyc_day_count.ravel()) - cyc_day_count.ravel()
    within = np.arange(cv.size) - first_of_day[cv * 7 * MAX_WEEKS + cday]
    base = day_first[cv, cday % 7] + within
    cmm = leg_mm[base]
    c_end = np.cumsum(cmm)
    c_start = c_end - cmm - (c_end - cmm)[first_of_v][cv]
    cycle_base = np.add.reduceat(cmm, first_of_v) if cv.size else np.zeros(n, dtype=np.int64)

    # fills: the leg whose start is nearest to phi + k * gap
    gap = cycle_base / refuels
    ref_v = np.repeat(np.arange(n), refuels)
    k = np.arange(ref_v.size) - (np.cumsum(refuels) - refuels)[ref_v]
    phi = uniform(salt(sc.name, seed, "refuel-phase"), index) * gap
    target = np.rint(phi[ref_v] + k * gap[ref_v]).astype(np.int64)
    key = cv * _KEY + c_start
    pos = np.searchsorted(key, ref_v * _KEY + target)
    lo_leg = np.clip(pos - 1, first_of_v[ref_v], first_of_v[ref_v] + cyc_legs[ref_v] - 1)
    hi_leg = np.clip(pos, first_of_v[ref_v], first_of_v[ref_v] + cyc_legs[ref_v] - 1)
    near_hi = np.abs(c_start[hi_leg] - target) < np.abs(c_start[lo_leg] - target)
    cl = np.where(near_hi, hi_leg, lo_leg)
    cl = np.unique(ref_v.astype(np.int64) * (1 << 32) + cl) % (1 << 32)
    ref_v = cv[cl]
    refuels = np.bincount(ref_v, minlength=n)
    bl = base[cl]
    a, b = leg_from[bl], leg_to[bl]
    station = _nearest_station(sc, a, b)
    ref_first = np.cumsum(refuels) - refuels
    rcode = index[ref_v] * 4096 + np.arange(cl.size) - ref_first[ref_v]
    ends = ((a, station), (station, b))
    rh = np.stack([faster_turn(sc, x, y, uniform(salt(sc.name, seed, "refuel-order", i), rcode))
                   for i, (x, y) in enumerate(ends)], 1)  # fmt: skip
    to_station = routes.length_mm(sc, a, station, rh[:, 0])
    extra = to_station + routes.length_mm(sc, station, b, rh[:, 1]) - leg_mm[bl]
    extra_before = np.cumsum(extra) - extra
    extra_before = extra_before - extra_before[ref_first][ref_v]
    fill_mm = c_start[cl] + extra_before + to_station
    u = uniform(salt(sc.name, seed, "refuel-dwell"), rcode)
    ev = electric[ref_v]
    dwell_s = np.where(ev, 1500.0 + 1200.0 * u, 240.0 + 240.0 * u)

    # distance into the cycle at each cycle day's start: base plus the detours before it
    day_base = np.zeros((n, 7 * MAX_WEEKS + 1), dtype=np.int64)
    in_cycle = np.arange(7 * MAX_WEEKS)[None, :] < period[:, None]
    day_base[:, 1:] = np.cumsum(np.where(in_cycle, day_mm[:, np.arange(7 * MAX_WEEKS) % 7], 0), 1)
    extra_by_day = np.zeros((n, 7 * MAX_WEEKS + 1), dtype=np.int64)
    np.add.at(extra_by_day, (ref_v, cday[cl] + 1), extra)
    cycle_day_mm = day_base + np.cumsum(extra_by_day, axis=1)
    cycle_mm = cycle_day_mm[np.arange(n), period]
    return Plan(
        leg_from=leg_from, leg_to=leg_to, leg_hfirst=leg_h, leg_mm=leg_mm,
        leg_dwell_us=leg_dwell, leg_kind=leg_kind, day_first=day_first, day_count=day_count,
        weeks=weeks, phase_days=phase, refuels=refuels, ref_first=ref_first, ref_count=refuels,
        ref_cday=cday[cl], ref_leg=within[cl], ref_station=station, ref_hfirst=rh,
        ref_dwell_us=np.rint(dwell_s * 1e6).astype(np.int64), ref_fill_mm=fill_mm,
        cycle_day_mm=cycle_day_mm, cycle_mm=cycle_mm,
    )  # fmt: skip


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
        is_detour_in, plan.ref_hfirst[safe, 0],
        np.where(is_detour_out, plan.ref_hfirst[safe, 1], plan.leg_hfirst[base[out]]),
    )  # fmt: skip
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
        row=out_row, number=number, start_node=start, end_node=end, hfirst=hfirst, mm=mm,
        dwell_us=dwell, kind=kind, refuel=np.where(is_detour_in, ref, -1), first=out_first,
        count=out_count, offset_mm=offset,
    )  # fmt: skip
