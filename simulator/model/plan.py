"""Each vehicle's plan: its weekday legs (``week``) in a cycle of weeks with the fills
along it (``refuel``), built once per fleet; and what a plan gives on a given day: the
legs driven (refuel detours included), the distance driven before it, the fuel level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model import refuel, routes, week
from simulator.model.hashing import salt, uniform
from simulator.model.refuel import KEY
from simulator.model.scenario import Scenario
from simulator.model.week import DAYS_PER_WEEK, KIND_STATION, Vehicles

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


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


def build(sc: Scenario, seed: int, vehicles: Vehicles) -> Plan:
    """The weekly plans of ``vehicles`` and their refuelling cycle, in stages: the legs of
    each weekday, the cycle's length and fills, the cycle's legs, the refuel detours, and
    the distance into the cycle at each of its days."""
    n = vehicles.index.size
    legs = week.week_legs(sc, seed, vehicles)
    weekly = week.week(legs, n)
    weeks, fills = refuel.cycle_size(weekly.day_mm, vehicles.range_km)
    period_days = weeks * DAYS_PER_WEEK
    phase = (uniform(salt(sc.name, seed, "cycle-phase"), vehicles.index) * period_days).astype(
        np.int64
    )
    cycle = refuel.cycle_legs(weekly, legs.mm, period_days)
    refuels = refuel.refuels(sc, seed, vehicles, legs, cycle, fills)
    cycle_day_mm = refuel.cycle_day_mm(weekly.day_mm, period_days, cycle, refuels)
    return Plan(
        leg_from=legs.from_node,
        leg_to=legs.to_node,
        leg_hfirst=legs.hfirst,
        leg_mm=legs.mm,
        leg_dwell_us=legs.dwell_us,
        leg_kind=legs.kind,
        day_first=weekly.day_first,
        day_count=weekly.day_count,
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
    all_key = np.repeat(np.arange(plan.ref_first.size), plan.ref_count) * KEY + fills
    x_up = np.ceil(x).astype(np.int64)  # fills (whole mm) strictly before x: <= ceil(x) - 1
    pos = np.searchsorted(all_key, vehicle * KEY + x_up, side="left") - 1
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
