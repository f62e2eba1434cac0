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
computed (the day's walk, a window, the truth tables): one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator import routes
from simulator.hashing import hash64, salt
from simulator.incidents import Incidents
from simulator.scenario import Scenario
from vts import geo

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

STRAIGHT = 0.85
TURN_MS = (4.5, 6.0)
P_RED = 0.45
HALT_S = (8.0, 45.0)
SPEEDING = (1.08, 1.30)
HARSH_BRAKE = (3.6, 5.0)
HARSH_ACCEL = (3.1, 4.0)
HARSH_MIN_DV = 5.0  # a harsh episode changes speed by at least this (m/s)
RUSH_SLOWDOWN = 0.25
RUSH_HOURS = ((8.25, 0.9), (17.5, 1.0))  # (peak hour UTC, spread in hours), weekdays
RUSH_CLASS_MAX = 1  # ring roads (0) and arterials (1)
DAY_US = 86_400_000_000
INCIDENT_ROUNDS = 4
_LOW16 = np.uint64(0xFFFF)


@dataclass(frozen=True, eq=False)
class Driving:
    """What ``leg_items`` needs of the vehicles: one entry per vehicle (array index)."""

    index: I64
    accel: F64
    decel: F64
    driver: F64
    speeding_p: F64
    harsh_brake_p: F64
    harsh_accel_p: F64


@dataclass(frozen=True, eq=False)
class Items:
    """The items of some legs, leg-major in driving order (``leg``: the row of the leg)."""

    leg: I64
    halt: Bool
    edge: I64
    node_a: I64
    node_b: I64
    len_m: F64
    limit_ms: F64
    heading: F64
    v0: F64
    vp: F64
    v1: F64
    a: F64
    b: F64
    t_acc: F64
    t_cru: F64
    d_acc: F64
    d_cru: F64
    dur_us: I64
    start_us: I64
    arc_mm: I64
    incident: I64
    harsh_accel: Bool
    harsh_brake: Bool
    red: Bool
    leg_drive_us: I64  # per leg


def rush_factor(t_us: I64, epoch_weekday: int) -> F64:
    """Cruise factor on rush-hour roads at ``t_us`` (µs since the scenario epoch)."""
    day = t_us // DAY_US
    hour = (t_us - day * DAY_US) / 3.6e9
    weekday = (day + epoch_weekday) % 7 < 5
    peak = sum(np.exp(-0.5 * ((hour - h) / w) ** 2) for h, w in RUSH_HOURS)
    return np.asarray(np.where(weekday, 1.0 - RUSH_SLOWDOWN * np.minimum(peak, 1.0), 1.0))


@dataclass(frozen=True, eq=False)
class Geometry:
    """What a leg's items are before its start time matters: segments, draws, junctions."""

    s: I64
    seg_leg: I64
    seg_first: I64
    k: I64
    a_node: I64
    b_node: I64
    edge: I64
    limit: F64
    length: F64
    v: I64
    u: list[F64]
    base: F64
    rushed: Bool
    last: Bool
    nxt: I64
    turn: Bool
    red: Bool
    halt_s: F64
    turn_ms: F64
    acc: F64
    dec: F64
    cap: F64


def geometry(
    sc: Scenario, seed: int, drv: Driving, vehicle: I64, start_node: I64, end_node: I64,
    hfirst: Bool, code: I64,
) -> Geometry:  # fmt: skip
    """The start-independent part of ``leg_items`` (computed once for repeated timings)."""
    s = routes.steps(sc, start_node, end_node)
    seg_leg = np.repeat(np.arange(s.size), s)
    seg_first = np.cumsum(s) - s
    k = np.arange(seg_leg.size) - seg_first[seg_leg]
    a_node = routes.node_after(sc, start_node[seg_leg], end_node[seg_leg], hfirst[seg_leg], k)
    b_node = routes.node_after(sc, start_node[seg_leg], end_node[seg_leg], hfirst[seg_leg], k + 1)
    edge = sc.edge_between(a_node, b_node)
    limit = sc.edge_limit_kmh[edge] / 3.6
    length = sc.edge_len_mm[edge] / 1000.0
    v = vehicle[seg_leg]
    who = drv.index[v]
    what = code[seg_leg] * 64 + k
    h = salt(sc.name, seed, "drive")
    bits = [hash64(h ^ i, who, what) for i in range(3)]  # ten 16-bit uniforms
    u = [((bits[i // 4] >> np.uint64(16 * (i % 4))) & _LOW16).astype(np.float64) / 65536.0
         for i in range(10)]  # fmt: skip
    base = limit * drv.driver[v] * (0.96 + 0.04 * u[0])
    speeding = u[1] < drv.speeding_p[v]
    base = np.where(speeding, limit * (SPEEDING[0] + (SPEEDING[1] - SPEEDING[0]) * u[2]), base)
    last = k == s[seg_leg] - 1
    nxt = np.minimum(np.arange(seg_leg.size) + 1, max(seg_leg.size - 1, 0))
    turn = routes.turns_after(sc, start_node[seg_leg], end_node[seg_leg], hfirst[seg_leg], k + 1)
    red = ~last & sc.light_node[b_node] & (u[3] < P_RED)
    acc, dec = drv.accel[v], drv.decel[v]
    reach = 0.95 * np.sqrt(2 * np.minimum(acc, dec) * np.minimum(length, length[nxt]))
    return Geometry(
        s=s, seg_leg=seg_leg, seg_first=seg_first, k=k, a_node=a_node, b_node=b_node,
        edge=edge, limit=limit, length=length, v=v, u=u, base=base,
        rushed=sc.edge_class[edge] <= RUSH_CLASS_MAX, last=last, nxt=nxt, turn=turn, red=red,
        halt_s=np.where(red, HALT_S[0] + (HALT_S[1] - HALT_S[0]) * u[4], 0.0),
        turn_ms=TURN_MS[0] + (TURN_MS[1] - TURN_MS[0]) * u[5], acc=acc, dec=dec,
        cap=np.minimum(0.95 * np.minimum(limit, limit[nxt]), reach),
    )  # fmt: skip


def leg_items(
    sc: Scenario, seed: int, drv: Driving, vehicle: I64, start_node: I64, end_node: I64,
    hfirst: Bool, start_us: I64, code: I64, cond: F64, rush: F64, incidents: Incidents,
    drive_only: bool = False, geom: Geometry | None = None,
) -> Items | I64:  # fmt: skip
    """The items of legs (one per row): ``vehicle`` indexes ``drv``; ``code`` names the leg
    for the hashes (day * 1024 + leg number); ``cond`` is the weather factor and ``rush``
    the rush-hour factor at the leg's start. ``drive_only``: just each leg's driving time;
    ``geom``: ``geometry`` of the same legs, if already computed."""
    g = geom or geometry(sc, seed, drv, vehicle, start_node, end_node, hfirst, code)
    s, seg_leg, seg_first, k = g.s, g.seg_leg, g.seg_first, g.k
    a_node, b_node, edge, limit, length, v, u = (
        g.a_node,
        g.b_node,
        g.edge,
        g.limit,
        g.length,
        g.v,
        g.u,
    )
    last, nxt, turn, red, halt_s, turn_ms = g.last, g.nxt, g.turn, g.red, g.halt_s, g.turn_ms
    acc, dec, cap = g.acc, g.dec, g.cap
    n_legs = s.size
    cruise = g.base * cond[seg_leg] * np.where(g.rushed, rush[seg_leg], 1.0)

    def timing(cr: F64) -> tuple[F64, ...]:
        slower = np.minimum(cr, cr[nxt])
        vj = np.where(turn, np.minimum(turn_ms, 0.9 * slower), STRAIGHT * slower)
        vj = np.where(red | last, 0.0, np.minimum(vj, cap))
        v_in = np.where(k == 0, 0.0, np.roll(vj, 1))
        a = np.where((v_in < 1.0) & (u[6] < drv.harsh_accel_p[v]),
                     HARSH_ACCEL[0] + (HARSH_ACCEL[1] - HARSH_ACCEL[0]) * u[7], acc)  # fmt: skip
        b = np.where((cr - vj >= HARSH_MIN_DV) & (u[8] < drv.harsh_brake_p[v]),
                     HARSH_BRAKE[0] + (HARSH_BRAKE[1] - HARSH_BRAKE[0]) * u[9], dec)  # fmt: skip
        d_acc = (cr**2 - v_in**2) / (2 * a)
        d_dec = (cr**2 - vj**2) / (2 * b)
        short = d_acc + d_dec > length
        vp2 = (2 * a * b * length + b * v_in**2 + a * vj**2) / (a + b)
        vp = np.where(short, np.sqrt(vp2), cr)
        d_acc = np.where(short, (vp2 - v_in**2) / (2 * a), d_acc)
        d_dec = np.where(short, (vp2 - vj**2) / (2 * b), d_dec)
        d_cru = np.maximum(length - d_acc - d_dec, 0.0)
        t = (vp - v_in) / a + d_cru / vp + (vp - vj) / b
        return v_in, vp, vj, a, b, d_acc, d_cru, t

    # incidents: a segment entered while an incident on it is active is driven slower;
    # entering later or earlier changes which, so iterate to a consistent set
    factor = np.ones(seg_leg.size)
    inc = np.full(seg_leg.size, -1, dtype=np.int64)
    halt_us = np.rint(halt_s * 1e6).astype(np.int64)
    for _ in range(INCIDENT_ROUNDS):
        parts = timing(cruise * factor)
        seg_us = np.maximum(np.rint(parts[-1] * 1e6).astype(np.int64), 1)
        step_us = seg_us + halt_us
        cum = np.cumsum(step_us)
        before = cum - step_us
        entry = start_us[seg_leg] + before - before[seg_first[seg_leg]]
        new_factor, new_inc = incidents.affecting(edge, entry)
        if np.array_equal(new_inc, inc):
            break
        factor, inc = new_factor, new_inc
    else:  # not settled (vanishingly rare): keep the last set, timed with it
        parts = timing(cruise * factor)
        seg_us = np.maximum(np.rint(parts[-1] * 1e6).astype(np.int64), 1)
    if drive_only:
        return np.bincount(seg_leg, weights=seg_us + halt_us, minlength=n_legs).astype(np.int64)
    v_in, vp, vj, a, b, d_acc, d_cru, _ = parts

    # interleave: segment 0, halt 0, segment 1, ... (no halt after a leg's last segment)
    n_items = np.maximum(2 * s - 1, 0)
    item_leg = np.repeat(np.arange(n_legs), n_items)
    item_first = np.cumsum(n_items) - n_items
    p = np.arange(item_leg.size) - item_first[item_leg]
    is_halt = p % 2 == 1
    seg = seg_first[item_leg] + p // 2
    dur = np.where(is_halt, halt_us[seg], seg_us[seg])
    cum = np.cumsum(dur)
    rel = cum - dur - (cum - dur)[item_first[item_leg]]
    seg_mm = sc.edge_len_mm[edge]
    mcum = np.cumsum(seg_mm)
    seg_arc = mcum - seg_mm - (mcum - seg_mm)[seg_first[seg_leg]]
    arc = np.where(is_halt, seg_arc[seg] + seg_mm[seg], seg_arc[seg])
    heading = geo.bearing_deg(
        sc.node_lat[a_node], sc.node_lon[a_node], sc.node_lat[b_node], sc.node_lon[b_node]
    )
    zero = np.zeros(item_leg.size)

    def pick(x: F64) -> F64:
        return np.asarray(np.where(is_halt, zero, x[seg]))

    return Items(
        leg=item_leg, halt=is_halt, edge=edge[seg],
        node_a=np.where(is_halt, b_node[seg], a_node[seg]),
        node_b=b_node[seg], len_m=pick(length), limit_ms=limit[seg], heading=heading[seg],
        v0=pick(v_in), vp=pick(vp), v1=pick(vj), a=np.where(is_halt, 1.0, a[seg]),
        b=np.where(is_halt, 1.0, b[seg]), t_acc=pick((vp - v_in) / a), t_cru=pick(d_cru / vp),
        d_acc=pick(d_acc), d_cru=pick(d_cru), dur_us=dur, start_us=start_us[item_leg] + rel,
        arc_mm=arc, incident=np.where(is_halt, -1, inc[seg]),
        harsh_accel=~is_halt & (a[seg] > acc[seg]), harsh_brake=~is_halt & (b[seg] > dec[seg]),
        red=is_halt & red[seg],
        leg_drive_us=np.bincount(item_leg, weights=dur, minlength=n_legs).astype(np.int64),
    )  # fmt: skip


def motion(it: Items, item: I64, t_us: I64) -> tuple[F64, F64]:
    """(distance into the item in m, speed in m/s) at ``t_us`` for items ``item``."""
    tau = np.clip((t_us - it.start_us[item]) / 1e6, 0.0, None)
    v0, vp, v1 = it.v0[item], it.vp[item], it.v1[item]
    a, b = it.a[item], it.b[item]
    ta, tc = it.t_acc[item], it.t_cru[item]
    td = (vp - v1) / b
    u = np.clip(tau - ta - tc, 0.0, td)
    x = np.where(
        tau < ta, v0 * tau + 0.5 * a * tau**2,
        np.where(tau < ta + tc, it.d_acc[item] + vp * (tau - ta),
                 it.d_acc[item] + it.d_cru[item] + vp * u - 0.5 * b * u**2),
    )  # fmt: skip
    speed = np.where(tau < ta, v0 + a * tau, np.where(tau < ta + tc, vp, vp - b * u))
    return np.clip(x, 0.0, it.len_m[item]), np.where(it.halt[item], 0.0, speed)


def time_at(it: Items, item: I64, x_m: F64) -> I64:
    """The instant (µs) items ``item`` reach ``x_m`` metres into their segment."""
    v0, vp = it.v0[item], it.vp[item]
    a, b = it.a[item], it.b[item]
    da, dc = it.d_acc[item], it.d_cru[item]
    t_acc = (-v0 + np.sqrt(v0**2 + 2 * a * np.minimum(x_m, da))) / a
    y = np.clip(x_m - da - dc, 0.0, None)
    t_dec = (vp - np.sqrt(np.maximum(vp**2 - 2 * b * y, 0.0))) / b
    tau = np.where(
        x_m < da, t_acc, np.where(x_m < da + dc, it.t_acc[item] + (x_m - da) / vp,
                                  it.t_acc[item] + it.t_cru[item] + t_dec),
    )  # fmt: skip
    return np.asarray(it.start_us[item] + np.rint(tau * 1e6).astype(np.int64))
