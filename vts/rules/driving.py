"""How a vehicle is driven: overspeed, harsh braking and acceleration, low fuel.

Each rule takes a vehicle's new fixes and its carried state (``vts.rules.episode``):

- ``overspeed``: speed above the road's limit x ``overspeed_multiplier`` (the road is
  ``vts.reference.roadmatch``'s), for ``overspeed_min_duration_s`` or more. An episode is
  a run of fast fixes on roads; it starts at the fix before the first fast one (a fix's
  speed is what it drove since that fix) unless that fix is ``silent_gap_s`` or more
  earlier, and ends at its last fast fix. It is raised once it has lasted the minimal
  duration. ``value`` is its top speed, ``threshold`` the lowest limit it broke,
  ``road_id`` the road where it was furthest over.
- ``harsh_braking`` / ``harsh_acceleration``: the speed change between consecutive
  fixes over their time apart (less than ``silent_gap_s``), at or beyond the threshold;
  consecutive harsh hops are one episode (``value``: the strongest, m/s^2). Fixes far
  apart cannot show it: at one fix every 10 s a stop from 50 km/h is at most 1.4 m/s^2
  between fixes, however hard; and with speeds that are means since the previous fix, an
  episode shows whole only when it spans two fix intervals.
- ``low_fuel``: the level falling below ``low_fuel_pct``; re-armed once it is 5 points
  above again; ``value``: the level. An episode of one fix.

The state they carry: the last fix (``prev``), the episode still open at the last fix
(one per rule), and whether low fuel is armed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vts.reference.roadmatch import RoadIndex
from vts.rules.episode import Episode, State
from vts.rules.params import ReportParams
from vts.rules.track import Bool, Track

LOW_FUEL_REARM_PCT = 5.0


def runs(mask: Bool) -> list[tuple[int, int]]:
    """``(first, last)`` of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _episode(tr: Track, alert: str, run: dict[str, Any], ended: bool, **kw: Any) -> Episode:
    return Episode(
        tr.vehicle_id,
        alert,
        run["s"],
        run["last"],
        ended,
        run["la"],
        run["lo"],
        run["value"],
        run["threshold"],
        **kw,
    )


def overspeed(tr: Track, state: State, roads: RoadIndex, params: ReportParams) -> list[Episode]:
    n = len(tr)
    speed = np.nan_to_num(tr.speed_kmh, nan=0.0)
    # only fixes faster than the lowest limit can be speeding (as speeding_events.sql)
    floor = float(roads.limit_kmh.min()) * params.overspeed_multiplier if roads.road_id else np.inf
    candidates = np.flatnonzero(speed > floor)
    seg = np.full(n, -1, dtype=np.int64)
    seg[candidates] = roads.match(
        tr.lat[candidates], tr.lon[candidates], tr.heading_deg[candidates]
    )
    limit = np.where(seg >= 0, roads.limit_kmh[np.maximum(seg, 0)], np.inf)
    fast = speed > limit * params.overspeed_multiplier
    found: list[Episode] = []
    open_run: dict[str, Any] | None = state.get("overspeed")
    prev = state.get("prev")
    if open_run is not None and n and not fast[0]:
        if open_run["raised"]:
            found.append(_episode(tr, "overspeed", open_run, True, road_id=open_run["road"]))
        open_run = None
    for a, b in runs(fast):
        excess = tr.speed_kmh[a : b + 1] - limit[a : b + 1]
        worst = a + int(np.argmax(excess))
        part = {
            "top": float(np.max(tr.speed_kmh[a : b + 1])),
            "lim": float(np.min(limit[a : b + 1])),
            "worst": float(excess[worst - a]),
            "road": roads.road_id[int(seg[worst])],
        }
        if a == 0 and open_run is not None:
            run = open_run
            if part["worst"] > run["worst"]:
                run["worst"], run["road"] = part["worst"], part["road"]
            run["top"], run["lim"] = max(run["top"], part["top"]), min(run["lim"], part["lim"])
        else:
            before: tuple[float, float, float] | None
            if a > 0:
                before = (float(tr.t[a - 1]), float(tr.lat[a - 1]), float(tr.lon[a - 1]))
            else:
                before = (prev[0], prev[1], prev[2]) if prev is not None else None
            if before is not None and tr.t[a] - before[0] <= params.silent_gap_s:
                s, la, lo = before
            else:
                s, la, lo = float(tr.t[a]), float(tr.lat[a]), float(tr.lon[a])
            run = {"s": s, "la": la, "lo": lo, "raised": False, **part}
        run["last"] = float(tr.t[b])
        run["value"], run["threshold"] = run["top"], run["lim"]
        run["raised"] = run["raised"] or run["last"] - run["s"] >= params.overspeed_min_duration_s
        closed = b < n - 1
        if run["raised"]:
            found.append(_episode(tr, "overspeed", run, closed, road_id=run["road"]))
        open_run = None if closed else run
    _keep(state, "overspeed", open_run)
    return found


HARSH = (
    ("harsh_braking", -1.0, "harsh_braking_ms2"),
    ("harsh_acceleration", 1.0, "harsh_acceleration_ms2"),
)


def harsh(tr: Track, state: State, params: ReportParams) -> list[Episode]:
    prev = state.get("prev")
    t, lat, lon, speed = tr.t, tr.lat, tr.lon, np.nan_to_num(tr.speed_kmh)
    if prev is not None:  # the last fix before these: the first hop starts there
        t, lat, lon = np.r_[prev[0], t], np.r_[prev[1], lat], np.r_[prev[2], lon]
        speed = np.r_[np.nan_to_num(prev[3]), speed]
    found: list[Episode] = []
    if t.size < 2:
        return found
    dt = np.diff(t)
    accel = np.diff(speed / 3.6) / np.maximum(dt, 1e-3)
    hops = accel.size
    for kind, sign, name in HARSH:
        limit = float(getattr(params, name))
        mask = (sign * accel >= limit) & (dt <= params.silent_gap_s)
        open_run: dict[str, Any] | None = state.get(kind)
        if open_run is not None and (prev is None or not mask[0]):
            found.append(_episode(tr, kind, open_run, True))
            open_run = None
        for a, b in runs(mask):  # hops a..b: fixes a .. b+1
            value = float(np.max(np.abs(accel[a : b + 1])))
            if a == 0 and open_run is not None:
                run = open_run
                run["value"] = max(run["value"], value)
            else:
                run = {
                    "s": float(t[a]),
                    "la": float(lat[a]),
                    "lo": float(lon[a]),
                    "value": value,
                    "threshold": limit,
                }
            run["last"] = float(t[b + 1])
            closed = b < hops - 1
            found.append(_episode(tr, kind, run, closed))
            open_run = None if closed else run
        _keep(state, kind, open_run)
    return found


def low_fuel(tr: Track, state: State, params: ReportParams) -> list[Episode]:
    level = tr.fuel_pct
    below = level < params.low_fuel_pct  # NaN compares False: no reading, no change
    rearm = level >= params.low_fuel_pct + LOW_FUEL_REARM_PCT
    event = np.where(below, -1, np.where(rearm, 1, 0))
    armed = 1 if state.get("fuel_armed", True) else -1
    # the last event strictly before each fix (the carried one before any)
    idx = np.where(event != 0, np.arange(event.size), -1)
    last = np.maximum.accumulate(np.concatenate([[-1], idx[:-1]])) if event.size else idx
    before = np.where(last >= 0, event[np.maximum(last, 0)], armed)
    if (event != 0).any():
        state["fuel_armed"] = bool(event[np.flatnonzero(event)[-1]] == 1)
    return [
        Episode(
            tr.vehicle_id,
            "low_fuel",
            float(tr.t[i]),
            float(tr.t[i]),
            True,
            float(tr.lat[i]),
            float(tr.lon[i]),
            float(level[i]),
            params.low_fuel_pct,
        )
        for i in np.flatnonzero(below & (before != -1)).tolist()
    ]


def _keep(state: State, key: str, run: dict[str, Any] | None) -> None:
    if run is None:
        state.pop(key, None)
    else:
        state[key] = run
