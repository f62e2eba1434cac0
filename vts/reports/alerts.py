"""Alerts of one vehicle: overspeed, harsh braking and acceleration, silence, low fuel.

- ``overspeed``: speed above the road's limit x ``overspeed_multiplier`` (``roads``),
  for ``overspeed_min_duration_s`` or more. An episode is a run of fast fixes on roads;
  it starts at the fix before the first fast one (a fix's speed is what it drove since
  that fix) and ends at its last fast fix. ``value`` is its top speed, ``threshold``
  the lowest limit it broke.
- ``harsh_braking`` / ``harsh_acceleration``: the speed change between consecutive
  fixes over their time apart, at or beyond the threshold; consecutive harsh hops are one
  episode (``value``: the strongest, m/s^2). Fixes far apart cannot show it: at one fix
  every 10 s a stop from 50 km/h is at most 1.4 m/s^2 between fixes, however hard; and
  with speeds that are means since the previous fix, an episode shows whole only when it
  spans two fix intervals (a shorter one is averaged with the driving around it).
- ``silent``: no fix for ``silent_gap_s`` or more while the vehicle was not stopped
  (the gap lies inside a trip, not a stop); ``value``: the gap (s).
- ``low_fuel``: the level falling below ``low_fuel_pct``; re-armed once it is 5 points
  above again; ``value``: the level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vts.reference.roadmatch import RoadIndex
from vts.reports.motion import Motion
from vts.rules.params import ReportParams
from vts.rules.track import Bool, Track

LOW_FUEL_REARM_PCT = 5.0
ALERT_TYPES = ("overspeed", "harsh_braking", "harsh_acceleration", "silent", "low_fuel")


@dataclass(frozen=True)
class Alert:
    alert: str
    first: int  # fix index where the episode starts
    last: int  # fix index where it ends
    value: float
    threshold: float
    road_id: str | None = None


def _runs(mask: Bool) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(
            np.flatnonzero(edges == 1).tolist(),
            (np.flatnonzero(edges == -1) - 1).tolist(),
            strict=True,
        )
    )


def overspeed(track: Track, roads: RoadIndex, params: ReportParams) -> list[Alert]:
    # only fixes faster than the lowest limit can be speeding (as speeding_events.sql)
    floor = float(roads.limit_kmh.min()) * params.overspeed_multiplier if roads.road_id else np.inf
    candidates = np.flatnonzero(np.nan_to_num(track.speed_kmh, nan=0.0) > floor)
    seg = np.full(len(track), -1, dtype=np.int64)
    seg[candidates] = roads.match(track.lat[candidates], track.lon[candidates],
                                  track.heading_deg[candidates])  # fmt: skip
    limit = np.where(seg >= 0, roads.limit_kmh[np.maximum(seg, 0)], np.inf)
    fast = np.nan_to_num(track.speed_kmh, nan=0.0) > limit * params.overspeed_multiplier
    found = []
    for a, b in _runs(fast):
        start = a - 1 if a > 0 and track.t[a] - track.t[a - 1] <= params.silent_gap_s else a
        if track.t[b] - track.t[start] < params.overspeed_min_duration_s:
            continue
        worst = a + int(np.argmax(track.speed_kmh[a : b + 1] - limit[a : b + 1]))
        found.append(
            Alert("overspeed", start, b, float(np.max(track.speed_kmh[a : b + 1])),
                  float(np.min(limit[a : b + 1])), roads.road_id[int(seg[worst])])
        )  # fmt: skip
    return found


def harsh(track: Track, params: ReportParams) -> list[Alert]:
    if len(track) < 2:
        return []
    dt = np.diff(track.t)
    accel = np.diff(np.nan_to_num(track.speed_kmh) / 3.6) / np.maximum(dt, 1e-3)
    found = []
    for kind, mask, limit in (
        ("harsh_braking", accel <= -params.harsh_braking_ms2, params.harsh_braking_ms2),
        (
            "harsh_acceleration",
            accel >= params.harsh_acceleration_ms2,
            params.harsh_acceleration_ms2,
        ),
    ):
        mask &= dt <= params.silent_gap_s
        for a, b in _runs(mask):  # hops a..b: fixes a .. b+1
            found.append(Alert(kind, a, b + 1, float(np.max(np.abs(accel[a : b + 1]))), limit))
    return found


def silent(track: Track, motion: Motion, params: ReportParams) -> list[Alert]:
    if len(track) < 2:
        return []
    gaps = np.flatnonzero(np.diff(track.t) >= params.silent_gap_s)
    stopped = np.zeros(len(track), dtype=bool)
    for s in motion.stops:
        stopped[s.first : s.last + 1] = True
    return [
        Alert("silent", int(i), int(i) + 1, float(track.t[i + 1] - track.t[i]), params.silent_gap_s)
        for i in gaps.tolist()
        if not (stopped[i] and stopped[i + 1])
    ]


def low_fuel(track: Track, params: ReportParams) -> list[Alert]:
    level = track.fuel_pct
    below = level < params.low_fuel_pct  # NaN compares False: no reading, no change
    rearm = level >= params.low_fuel_pct + LOW_FUEL_REARM_PCT
    event = np.where(below, -1, np.where(rearm, 1, 0))
    # the last event strictly before each fix (1, armed, before any)
    idx = np.where(event != 0, np.arange(event.size), -1)
    last = np.maximum.accumulate(np.concatenate([[-1], idx[:-1]])) if event.size else idx
    before = np.where(last >= 0, event[np.maximum(last, 0)], 1)
    return [
        Alert("low_fuel", i, i, float(level[i]), params.low_fuel_pct)
        for i in np.flatnonzero(below & (before != -1)).tolist()
    ]


def alerts(
    track: Track, motion: Motion, roads: RoadIndex | None, params: ReportParams
) -> list[Alert]:
    found = harsh(track, params) + silent(track, motion, params) + low_fuel(track, params)
    if roads is not None:
        found += overspeed(track, roads, params)
    return sorted(found, key=lambda a: (a.first, a.alert))
