"""A vehicle's day, walked leg by leg, and its state at any instant, given the incidents.

Day ``d`` of a vehicle starts at ``d * DAY + shift start + jitter`` (jitter up to
``START_JITTER_US``) at home; its legs (``plan.day_legs``) follow one another, each after
the dwell at the previous destination, and the last ends at home, where the vehicle
parks until the next day starts. Only the legs' start times depend on what came before
(weather, rush hour, lights and incidents change how long a leg takes), so a day is walked
once (``Walk``, built by ``new_walk``), for a chunk of vehicles of similar shift starts at a
time when a window first needs one of them, all legs of the chunk together; a leg's items
are recomputed from its start whenever they are needed (``dynamics.leg_items``). Nothing
depends on an earlier day: any window is computed from the days it touches.

This module walks a day with whatever incidents it is given; which incidents those are is
the business of ``days``, which runs the model's stages in order (a day without incidents
first, to place them, then the day with them) and caches the walks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model import dynamics, plan, routes, segments
from simulator.model.fleet import Fleet
from simulator.model.hashing import salt, uniform
from simulator.model.incidents import Incidents
from simulator.model.weather import speed_factor
from vts import geo

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

DAY_US = 86_400_000_000
START_JITTER_US = 900_000_000
_KEY = 1 << 38  # sort keys: row * _KEY + time since the day's midnight (µs, < 2 days)
CONDITION_PASSES = 2
GUESS_JUNCTION_S = 8.0
INCIDENT_PASSES = 8
CHUNK_VEHICLES = 400


@dataclass(frozen=True, eq=False)
class Walk:
    """One day of all of a fleet's vehicles: legs (``plan.DayLegs``) and their timing."""

    day: int
    legs: plan.DayLegs
    start_us: I64  # per vehicle
    start_mm: I64  # per vehicle: distance at the day's start
    leg_start_us: I64
    leg_arrive_us: I64
    leg_cond: F64
    leg_rush: F64
    leg_key: I64
    incidents: Incidents
    leg_heading: F64  # per leg: bearing of its last segment (kept while dwelling after it)
    leg_edge: I64  # per leg: its last segment
    park_heading: F64  # per vehicle: as it parked at home the evening before
    park_edge: I64
    fleet: Fleet
    chunk_of: I64  # per vehicle: its chunk (vehicles of similar shift starts walk together)
    done: Bool  # per chunk: walked yet

    def ensure(self, vehicles: I64 | None = None) -> None:
        """Walk the chunks of ``vehicles`` (all by default) not walked yet."""
        chunks = np.unique(self.chunk_of if vehicles is None else self.chunk_of[vehicles])
        lg = self.legs
        for c in chunks[~self.done[chunks]]:
            rows = np.flatnonzero(self.chunk_of == c)
            count = lg.count[rows]
            local_first = np.cumsum(count) - count
            within = np.arange(count.sum()) - np.repeat(local_first, count)
            legs = np.repeat(lg.first[rows], count) + within
            out = _walk_chunk(
                self.fleet,
                self.day,
                lg,
                legs,
                np.repeat(local_first, count),
                self.start_us,
                self.incidents,
            )
            self.leg_start_us[legs], self.leg_arrive_us[legs] = out[0], out[1]
            self.leg_cond[legs], self.leg_rush[legs] = out[2], out[3]
            self.leg_key[legs] = lg.row[legs] * _KEY + (out[0] - self.day * DAY_US)
            self.done[c] = True


def day_start_us(fleet: Fleet, vehicle: I64, day: I64) -> I64:
    jitter = uniform(salt(fleet.scenario.name, fleet.seed, "day-start"), fleet.index[vehicle], day)
    return np.asarray(
        day * DAY_US + fleet.shift_start_us[vehicle] + (jitter * START_JITTER_US).astype(np.int64)
    )


def conditions(fleet: Fleet, node: I64, t_us: I64) -> tuple[F64, F64]:
    """(weather factor, rush-hour factor) for legs starting at ``node`` at ``t_us``."""
    sc = fleet.scenario
    factor, _, _ = speed_factor(sc, fleet.seed, sc.node_station[node], t_us // 1000, fleet.epoch_ms)
    return factor, dynamics.rush_factor(t_us, sc.spec.epoch.weekday())


def leg_items(fleet: Fleet, w: Walk, legs: I64) -> dynamics.Items:
    """The items of walk ``w``'s legs ``legs`` (indices into its leg arrays)."""
    at = dynamics.Conditions(
        start_us=w.leg_start_us[legs],
        weather_factor=w.leg_cond[legs],
        rush_hour_factor=w.leg_rush[legs],
        incidents=w.incidents,
    )
    return dynamics.leg_items(
        fleet.scenario, fleet.seed, fleet.driving, _legs(w.day, w.legs, legs), at
    )


def _legs(day: int, lg: plan.DayLegs, legs: I64) -> segments.Legs:
    """Legs ``legs`` of day ``day``'s ``lg``, as ``dynamics`` drives them."""
    return segments.Legs(
        vehicle=lg.row[legs],
        start_node=lg.start_node[legs],
        end_node=lg.end_node[legs],
        hfirst=lg.hfirst[legs],
        code=day * 1024 + lg.number[legs],
    )


def new_walk(fleet: Fleet, day: int, incidents: Incidents) -> Walk:
    """Day ``day`` of the fleet meeting ``incidents``, its chunks not walked yet (``ensure``)."""
    n = len(fleet)
    vehicles = np.arange(n)
    d = np.full(n, day, dtype=np.int64)
    lg = plan.day_legs(fleet.scenario, fleet.plan, vehicles, d)
    start = day_start_us(fleet, vehicles, d)
    m = lg.row.size
    # vehicles are independent: a chunk of them is walked when first needed (``ensure``),
    # their segments computed once; chunks group similar shift starts, so a window walks
    # only the vehicles whose day it is
    chunk_of = np.empty(n, dtype=np.int64)
    chunk_of[np.argsort(fleet.shift_start_us, kind="stable")] = np.arange(n) // CHUNK_VEHICLES
    done = np.zeros(-(-n // CHUNK_VEHICLES), dtype=bool)
    key = lg.row * _KEY  # sorted by vehicle even before its legs are timed
    heading, edge = _last_segment(fleet, lg.start_node, lg.end_node, lg.hfirst)
    prev = plan.day_legs(fleet.scenario, fleet.plan, vehicles, d - 1)
    last = prev.first + prev.count - 1
    p_heading, p_edge = _last_segment(
        fleet, prev.start_node[last], prev.end_node[last], prev.hfirst[last]
    )

    def zeros() -> I64:
        return np.zeros(m, dtype=np.int64)

    return Walk(
        day,
        lg,
        start,
        plan.day_start_mm(fleet.plan, vehicles, d),
        zeros(),
        zeros(),
        np.ones(m),
        np.ones(m),
        key,
        incidents,
        heading,
        edge,
        p_heading,
        p_edge,
        fleet,
        chunk_of,
        done,
    )


def _walk_chunk(
    fleet: Fleet,
    day: int,
    lg: plan.DayLegs,
    legs: I64,
    first: I64,
    start: I64,
    incidents: Incidents,
) -> tuple[I64, I64, F64, F64]:
    """Leg starts, arrivals and conditions of whole vehicle-days ``legs``; ``first``: where
    in ``legs`` each leg's vehicle's first leg is."""
    sc = fleet.scenario
    row, node = lg.row[legs], lg.start_node[legs]
    driven = _legs(day, lg, legs)
    geom = segments.geometry(sc, fleet.seed, fleet.driving, driven)
    dwell = lg.dwell_us[legs]

    def drive(at: I64, cond: F64, rush: F64, met: Incidents) -> tuple[I64, I64]:
        conditions = dynamics.Conditions(
            start_us=at, weather_factor=cond, rush_hour_factor=rush, incidents=met
        )
        drive_us = dynamics.leg_drive_us(sc, fleet.seed, fleet.driving, driven, conditions, geom)
        # a leg starts after the previous legs and dwells of its vehicle's day
        step = drive_us + dwell
        cum = np.cumsum(step)
        before = cum - step - (cum - step)[first]
        new_start = start[row] + before
        return new_start, new_start + drive_us

    # first guess of the starts: each leg at the driver's speed with a few seconds a junction
    end = lg.end_node[legs]
    guess_s = routes.limit_s(sc, node, end, lg.hfirst[legs]) / fleet.driving.driver[row]
    guess_us = np.rint((guess_s + GUESS_JUNCTION_S * routes.steps(sc, node, end)) * 1e6)
    step = guess_us.astype(np.int64) + dwell
    cum = np.cumsum(step)
    leg_start = start[row] + cum - step - (cum - step)[first]
    arrive = leg_start
    none = Incidents.none()
    # weather and rush hour as at each leg's start: two passes settle the starts they are
    # read at (to within the minutes the second pass still shifts them); the last pass
    # meets the incidents too
    for rnd in range(1, CONDITION_PASSES + 1):
        cond, rush = conditions(fleet, node, leg_start)
        leg_start, arrive = drive(
            leg_start, cond, rush, incidents if rnd == CONDITION_PASSES else none
        )
    # a leg's time depends on its start only through incidents: re-time until it settles
    if incidents.edge.size:
        for _ in range(INCIDENT_PASSES):
            new_start, new_arrive = drive(leg_start, cond, rush, incidents)
            settled = np.array_equal(new_start, leg_start) and np.array_equal(new_arrive, arrive)
            leg_start, arrive = new_start, new_arrive
            if settled:
                break
    return leg_start, arrive, cond, rush


@dataclass(frozen=True, eq=False)
class State:
    """Vehicles' true state at given instants (one entry per (vehicle, instant) asked)."""

    lat: F64
    lon: F64
    distance_m: F64  # driven since the start of the fuel cycle the epoch fell in
    heading: F64
    speed_ms: F64
    edge: I64  # the segment driven, or arrived by
    fuel_pct: F64
    day: I64
    leg: I64  # index into that day's walk legs (-1: parked before the day's first leg)
    driving: Bool  # on a segment or halted at a light (else at a place, or parked)


def _last_segment(fleet: Fleet, a: I64, b: I64, hfirst: Bool) -> tuple[F64, I64]:
    sc = fleet.scenario
    s = routes.steps(sc, a, b)
    p = routes.node_after(sc, a, b, hfirst, np.maximum(s - 1, 0))
    heading = geo.bearing_deg(sc.node_lat[p], sc.node_lon[p], sc.node_lat[b], sc.node_lon[b])
    return heading, sc.edge_between(p, np.where(s > 0, b, p + 1))


def days_of(fleet: Fleet, vehicle: I64, t_us: I64) -> I64:
    """The day whose walk (or the parking before it) holds each ``t_us``."""
    return np.asarray((t_us - fleet.shift_start_us[vehicle]) // DAY_US)


WalkOf = Callable[[Fleet, int, I64], Walk]  # (fleet, day, vehicles) -> their walk of that day


def state(fleet: Fleet, vehicle: I64, t_us: I64, walk_of: WalkOf) -> State:
    """True state of ``fleet`` vehicles ``vehicle`` at ``t_us`` (1-d, equally long), on the
    walks ``walk_of`` gives (``days.walk``, or ``days.walk_without_incidents``)."""
    n = vehicle.size
    lat, lon, dist, heading = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    speed, fuel = np.zeros(n), np.zeros(n)
    edge = np.zeros(n, dtype=np.int64)
    leg_of = np.full(n, -1, dtype=np.int64)
    moving = np.zeros(n, dtype=bool)
    day = days_of(fleet, vehicle, t_us)
    sc = fleet.scenario
    d_lo, d_hi = (int(day.min()), int(day.max())) if n else (0, -1)
    for d in range(d_lo, d_hi + 1):
        sel: slice | I64 = slice(None) if d_lo == d_hi else np.flatnonzero(day == d)
        v, t = vehicle[sel], t_us[sel]
        w = walk_of(fleet, d, v)
        lg = w.legs
        pos = np.searchsorted(w.leg_key, v * _KEY + (t - d * DAY_US), "right") - 1
        before = (pos < lg.first[v]) | (t < w.start_us[v])
        leg = np.where(before, lg.first[v], pos)
        # parked at home before the first leg: as the previous day's last leg ended
        ph, pe = w.park_heading[v], w.park_edge[v]
        lh, le = w.leg_heading[leg], w.leg_edge[leg]
        node = np.where(before, lg.start_node[leg], lg.end_node[leg])
        into = np.where(before, 0, lg.offset_mm[leg] + lg.mm[leg]).astype(np.float64)
        hd, ed = np.where(before, ph, lh), np.where(before, pe, le)
        la, lo = sc.node_lat[node], sc.node_lon[node]
        sp = np.zeros(v.size)
        driving = ~before & (t < w.leg_arrive_us[leg])
        if driving.any():
            mark = np.zeros(lg.row.size, dtype=bool)
            mark[leg[driving]] = True
            legs_needed = np.flatnonzero(mark)
            inverse = (np.cumsum(mark) - 1)[leg[driving]]
            items = leg_items(fleet, w, legs_needed)
            key = items.leg * _KEY + (items.start_us - d * DAY_US)
            k = np.searchsorted(key, inverse * _KEY + (t[driving] - d * DAY_US), "right") - 1
            x, s_ms = dynamics.motion(items, k, t[driving])
            frac = np.where(items.len_m[k] > 0, x / np.maximum(items.len_m[k], 1e-9), 0.0)
            na, nb = items.node_a[k], items.node_b[k]
            la[driving] = sc.node_lat[na] + frac * (sc.node_lat[nb] - sc.node_lat[na])
            lo[driving] = sc.node_lon[na] + frac * (sc.node_lon[nb] - sc.node_lon[na])
            into[driving] = lg.offset_mm[leg[driving]] + items.arc_mm[k] + x * 1000.0
            hd[driving], ed[driving] = items.heading_deg[k], items.edge[k]
            sp[driving] = s_ms
        lat[sel], lon[sel], heading[sel], edge[sel], speed[sel] = la, lo, hd, ed, sp
        dist[sel] = w.start_mm[v] / 1000.0 + into / 1000.0
        fuel[sel] = plan.fuel_pct(fleet.plan, v, np.full(v.size, d), into, fleet.range_km)
        leg_of[sel] = np.where(before, -1, leg)
        moving[sel] = driving
    return State(lat, lon, dist, heading, speed, edge, fuel, day, leg_of, moving)
