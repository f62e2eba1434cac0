"""Driving one leg: speeds, accelerations, junctions, lights and incidents, segment by segment.

A leg (from a place to the next, see ``plan``) is a list of *items*: each road segment,
and between two segments a traffic-light halt (zero length; zero time on green). On each
segment the vehicle accelerates from its entry speed at the driver's ``accel`` to its
cruise speed, cruises, and brakes at ``decel`` to its exit speed (a triangle when the
segment is too short to reach cruise). All in closed form, so a position or speed at any
instant, and the instant at any position (a camera), are a formula of the item.

- **Cruise**: speed limit x driver factor (< 1) x a per-segment jitter, x the weather
  factor (``weather.speed_factor``) at the leg's start, x ``RUSH_SLOWDOWN`` at rush hour
  on ring roads and arterials (weekdays, ``rush_factor``), x the incident factor on a
  segment entered while an incident on it is active. Speeders (a driver habit) drive some
  segments at ``SPEEDING`` x the limit instead: an overspeed episode.
- **Junctions**: the speed at a junction is at most ``STRAIGHT`` x the slower cruise
  going straight, ``TURN_MS`` turning, 0 at a red light (a halt of ``HALT_S``), never over
  the limit and always reachable within a segment.
- **Harsh episodes** (driver habits): a harsh braker brakes some approaches at
  ``HARSH_BRAKE`` m/s², a harsh accelerator pulls away from some stops at ``HARSH_ACCEL``.

Every draw is a hash of (vehicle, leg, segment), so a leg computes the same wherever it is
computed (the day's walk, a window, the truth tables): one implementation. The segments
and their draws, before the leg's start time matters (``SPEEDING``, ``TURN_MS``, ``P_RED``,
``HALT_S``): ``segments``; their timing in the leg's conditions and the items: here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model.incidents import Incidents
from simulator.model.scenario import Scenario
from simulator.model.segments import Driving, Geometry, Legs, geometry
from vts import geo

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

STRAIGHT = 0.85
HARSH_BRAKE = (3.6, 5.0)
HARSH_ACCEL = (3.1, 4.0)
HARSH_MIN_DV = 5.0  # a harsh episode changes speed by at least this (m/s)
RUSH_SLOWDOWN = 0.25
RUSH_HOURS = ((8.25, 0.9), (17.5, 1.0))  # (peak hour UTC, spread in hours), weekdays
DAY_US = 86_400_000_000
INCIDENT_ROUNDS = 4


@dataclass(frozen=True, eq=False)
class Items:
    """The items of some legs, leg-major in driving order (``leg``: the row of the leg).

    A segment's speed profile: from ``speed_in_mps`` up to ``speed_peak_mps`` at
    ``accel_mps2`` (``accel_s``, ``accel_m``), cruising (``cruise_s``, ``cruise_m``), then
    down to ``speed_out_mps`` at ``decel_mps2``. A halt has zero speeds and length, and
    accelerations of 1 (so the formulas never divide by zero).
    """

    leg: I64
    halt: Bool
    edge: I64
    node_a: I64
    node_b: I64
    len_m: F64
    limit_mps: F64
    heading_deg: F64
    speed_in_mps: F64
    speed_peak_mps: F64
    speed_out_mps: F64
    accel_mps2: F64
    decel_mps2: F64
    accel_s: F64
    cruise_s: F64
    accel_m: F64
    cruise_m: F64
    dur_us: I64
    start_us: I64
    arc_mm: I64
    incident: I64
    harsh_accel: Bool
    harsh_brake: Bool
    red: Bool
    leg_drive_us: I64  # per leg


@dataclass(frozen=True, eq=False)
class Conditions:
    """What a leg meets, besides its road: its start, the weather and rush-hour factors at
    its start, and the incidents that may slow its segments."""

    start_us: I64
    weather_factor: F64
    rush_hour_factor: F64
    incidents: Incidents


def rush_factor(t_us: I64, epoch_weekday: int) -> F64:
    """Cruise factor on rush-hour roads at ``t_us`` (µs since the scenario epoch)."""
    day = t_us // DAY_US
    hour = (t_us - day * DAY_US) / 3.6e9
    weekday = (day + epoch_weekday) % 7 < 5
    peak = sum(np.exp(-0.5 * ((hour - h) / w) ** 2) for h, w in RUSH_HOURS)
    return np.asarray(np.where(weekday, 1.0 - RUSH_SLOWDOWN * np.minimum(peak, 1.0), 1.0))


@dataclass(frozen=True, eq=False)
class _Profiles:
    """Each segment's speed profile at given cruise speeds (see ``Items``)."""

    speed_in_mps: F64
    speed_peak_mps: F64
    speed_out_mps: F64
    accel_mps2: F64
    decel_mps2: F64
    accel_m: F64
    cruise_m: F64
    time_s: F64


def _profiles(g: Geometry, drv: Driving, cruise_mps: F64) -> _Profiles:
    """Junction speeds from the cruise speeds either side, then each segment's trapezoid
    (a triangle when the segment is too short to reach its cruise)."""
    u = g.draws
    slower = np.minimum(cruise_mps, cruise_mps[g.next_seg])
    v_out = np.where(g.turn, np.minimum(g.turn_speed_mps, 0.9 * slower), STRAIGHT * slower)
    v_out = np.where(g.red | g.last, 0.0, np.minimum(v_out, g.junction_cap_mps))
    v_in = np.where(g.seg_number == 0, 0.0, np.roll(v_out, 1))
    harsh_accel = (v_in < 1.0) & (u[6] < drv.harsh_accel_p[g.vehicle])
    a = np.where(
        harsh_accel, HARSH_ACCEL[0] + (HARSH_ACCEL[1] - HARSH_ACCEL[0]) * u[7], g.accel_mps2
    )
    harsh_brake = (cruise_mps - v_out >= HARSH_MIN_DV) & (u[8] < drv.harsh_brake_p[g.vehicle])
    b = np.where(
        harsh_brake, HARSH_BRAKE[0] + (HARSH_BRAKE[1] - HARSH_BRAKE[0]) * u[9], g.decel_mps2
    )
    length = g.length_m
    d_acc = (cruise_mps**2 - v_in**2) / (2 * a)
    d_dec = (cruise_mps**2 - v_out**2) / (2 * b)
    short = d_acc + d_dec > length
    peak2 = (2 * a * b * length + b * v_in**2 + a * v_out**2) / (a + b)
    peak = np.where(short, np.sqrt(peak2), cruise_mps)
    d_acc = np.where(short, (peak2 - v_in**2) / (2 * a), d_acc)
    d_dec = np.where(short, (peak2 - v_out**2) / (2 * b), d_dec)
    d_cru = np.maximum(length - d_acc - d_dec, 0.0)
    t = (peak - v_in) / a + d_cru / peak + (peak - v_out) / b
    return _Profiles(
        speed_in_mps=v_in,
        speed_peak_mps=peak,
        speed_out_mps=v_out,
        accel_mps2=a,
        decel_mps2=b,
        accel_m=d_acc,
        cruise_m=d_cru,
        time_s=t,
    )


@dataclass(frozen=True, eq=False)
class _Timed:
    """The segments timed against the incidents they meet."""

    profiles: _Profiles
    seg_us: I64
    halt_us: I64  # after each segment (0 unless a red light)
    incident: I64  # the incident slowing the segment, or -1


def _timed(g: Geometry, drv: Driving, at: Conditions) -> _Timed:
    """Time the segments: a segment entered while an incident on it is active is driven
    slower; entering later or earlier changes which, so iterate to a consistent set."""
    seg_leg = g.seg_leg
    cruise = g.base_cruise_mps * at.weather_factor[seg_leg]
    cruise = cruise * np.where(g.rushed, at.rush_hour_factor[seg_leg], 1.0)
    factor = np.ones(seg_leg.size)
    inc = np.full(seg_leg.size, -1, dtype=np.int64)
    halt_us = np.rint(g.halt_s * 1e6).astype(np.int64)
    for _ in range(INCIDENT_ROUNDS):
        profiles = _profiles(g, drv, cruise * factor)
        seg_us = np.maximum(np.rint(profiles.time_s * 1e6).astype(np.int64), 1)
        step_us = seg_us + halt_us
        cum = np.cumsum(step_us)
        before = cum - step_us
        entry = at.start_us[seg_leg] + before - before[g.seg_first[seg_leg]]
        new_factor, new_inc = at.incidents.affecting(g.edge, entry)
        if np.array_equal(new_inc, inc):
            break
        factor, inc = new_factor, new_inc
    else:  # not settled (vanishingly rare): keep the last set, timed with it
        profiles = _profiles(g, drv, cruise * factor)
        seg_us = np.maximum(np.rint(profiles.time_s * 1e6).astype(np.int64), 1)
    return _Timed(profiles, seg_us, halt_us, inc)


def leg_drive_us(
    sc: Scenario, seed: int, drv: Driving, legs: Legs, at: Conditions, geom: Geometry | None = None
) -> I64:
    """Each leg's driving time (µs, halts included); ``geom``: ``geometry`` of the same
    legs, if already computed."""
    g = geom or geometry(sc, seed, drv, legs)
    timed = _timed(g, drv, at)
    spent_us = timed.seg_us + timed.halt_us
    return np.bincount(g.seg_leg, weights=spent_us, minlength=g.steps.size).astype(np.int64)


def leg_items(sc: Scenario, seed: int, drv: Driving, legs: Legs, at: Conditions) -> Items:
    """The items of ``legs`` driven in conditions ``at``: segments interleaved with halts
    (segment 0, halt 0, segment 1, ...; no halt after a leg's last segment)."""
    g = geometry(sc, seed, drv, legs)
    timed = _timed(g, drv, at)
    p = timed.profiles
    n_legs = g.steps.size
    n_items = np.maximum(2 * g.steps - 1, 0)
    item_leg = np.repeat(np.arange(n_legs), n_items)
    item_first = np.cumsum(n_items) - n_items
    pos = np.arange(item_leg.size) - item_first[item_leg]
    is_halt = pos % 2 == 1
    seg = g.seg_first[item_leg] + pos // 2
    dur = np.where(is_halt, timed.halt_us[seg], timed.seg_us[seg])
    cum = np.cumsum(dur)
    rel = cum - dur - (cum - dur)[item_first[item_leg]]
    seg_mm = sc.edge_len_mm[g.edge]
    mcum = np.cumsum(seg_mm)
    seg_arc = mcum - seg_mm - (mcum - seg_mm)[g.seg_first[g.seg_leg]]
    arc = np.where(is_halt, seg_arc[seg] + seg_mm[seg], seg_arc[seg])
    a_node, b_node = g.node_a, g.node_b
    heading = geo.bearing_deg(
        sc.node_lat[a_node], sc.node_lon[a_node], sc.node_lat[b_node], sc.node_lon[b_node]
    )
    zero = np.zeros(item_leg.size)

    def on_segments(x: F64) -> F64:
        return np.asarray(np.where(is_halt, zero, x[seg]))

    a, b = p.accel_mps2, p.decel_mps2
    return Items(
        leg=item_leg,
        halt=is_halt,
        edge=g.edge[seg],
        node_a=np.where(is_halt, b_node[seg], a_node[seg]),
        node_b=b_node[seg],
        len_m=on_segments(g.length_m),
        limit_mps=g.limit_mps[seg],
        heading_deg=heading[seg],
        speed_in_mps=on_segments(p.speed_in_mps),
        speed_peak_mps=on_segments(p.speed_peak_mps),
        speed_out_mps=on_segments(p.speed_out_mps),
        accel_mps2=np.where(is_halt, 1.0, a[seg]),
        decel_mps2=np.where(is_halt, 1.0, b[seg]),
        accel_s=on_segments((p.speed_peak_mps - p.speed_in_mps) / a),
        cruise_s=on_segments(p.cruise_m / p.speed_peak_mps),
        accel_m=on_segments(p.accel_m),
        cruise_m=on_segments(p.cruise_m),
        dur_us=dur,
        start_us=at.start_us[item_leg] + rel,
        arc_mm=arc,
        incident=np.where(is_halt, -1, timed.incident[seg]),
        harsh_accel=~is_halt & (a[seg] > g.accel_mps2[seg]),
        harsh_brake=~is_halt & (b[seg] > g.decel_mps2[seg]),
        red=is_halt & g.red[seg],
        leg_drive_us=np.bincount(item_leg, weights=dur, minlength=n_legs).astype(np.int64),
    )


def motion(it: Items, item: I64, t_us: I64) -> tuple[F64, F64]:
    """(distance into the item in m, speed in m/s) at ``t_us`` for items ``item``."""
    tau = np.clip((t_us - it.start_us[item]) / 1e6, 0.0, None)
    v0, vp, v1 = it.speed_in_mps[item], it.speed_peak_mps[item], it.speed_out_mps[item]
    a, b = it.accel_mps2[item], it.decel_mps2[item]
    ta, tc = it.accel_s[item], it.cruise_s[item]
    td = (vp - v1) / b
    u = np.clip(tau - ta - tc, 0.0, td)
    accelerating, cruising = tau < ta, tau < ta + tc
    x_accel = v0 * tau + 0.5 * a * tau**2
    x_cruise = it.accel_m[item] + vp * (tau - ta)
    x_brake = it.accel_m[item] + it.cruise_m[item] + vp * u - 0.5 * b * u**2
    x = np.where(accelerating, x_accel, np.where(cruising, x_cruise, x_brake))
    speed = np.where(accelerating, v0 + a * tau, np.where(cruising, vp, vp - b * u))
    return np.clip(x, 0.0, it.len_m[item]), np.where(it.halt[item], 0.0, speed)


def time_at(it: Items, item: I64, x_m: F64) -> I64:
    """The instant (µs) items ``item`` reach ``x_m`` metres into their segment."""
    v0, vp = it.speed_in_mps[item], it.speed_peak_mps[item]
    a, b = it.accel_mps2[item], it.decel_mps2[item]
    da, dc = it.accel_m[item], it.cruise_m[item]
    t_acc = (-v0 + np.sqrt(v0**2 + 2 * a * np.minimum(x_m, da))) / a
    y = np.clip(x_m - da - dc, 0.0, None)
    t_dec = (vp - np.sqrt(np.maximum(vp**2 - 2 * b * y, 0.0))) / b
    t_cruise = it.accel_s[item] + (x_m - da) / vp
    t_brake = it.accel_s[item] + it.cruise_s[item] + t_dec
    tau = np.where(x_m < da, t_acc, np.where(x_m < da + dc, t_cruise, t_brake))
    return np.asarray(it.start_us[item] + np.rint(tau * 1e6).astype(np.int64))
