"""Geofence visits (enter .. exit) of a vehicle's fixes.

The geofences themselves (GeoJSON files, the lake's ``geofences`` table, which fixes lie
inside one) are reference data: ``vts.reference.geofences``.

A visit begins at the first fix inside once the vehicle has stayed inside ``dwell_s``,
and ends at the first fix outside once it has stayed outside ``dwell_s`` (so a drive-by,
or a fix or two of GPS noise across the boundary, fires nothing). ``exit_ts`` is empty
for a vehicle still inside at the window's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vts.reference.geofences import Geofence
from vts.reports.track import F64, Bool, Track


@dataclass(frozen=True)
class Visit:
    fence: Geofence
    enter: int  # fix index
    exit: int | None  # first fix outside, None while still inside


def _debounce(inside: Bool, t: F64, dwell: float) -> Bool:
    """``inside`` with every run (in or out) that lasted less than ``dwell`` flipped.

    A run lasts from its first fix to the next run's first fix (the last run: to the
    last fix). The first run sets the state the window starts in.
    """
    if inside.size == 0:
        return inside.copy()
    edges = np.flatnonzero(np.diff(inside.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges]).tolist()
    ends = np.concatenate([edges, [inside.size]]).tolist()  # exclusive
    out = np.empty_like(inside)
    current = bool(inside[0])
    for a, b in zip(starts, ends, strict=True):
        lasted = (t[b] if b < t.size else t[-1]) - t[a]
        if bool(inside[a]) != current and lasted >= dwell:
            current = bool(inside[a])
        out[a:b] = current
    return out


def visits(track: Track, fences: tuple[Geofence, ...], default_dwell_s: float) -> list[Visit]:
    found: list[Visit] = []
    for fence in fences:
        raw = fence.contains(track.lat, track.lon)
        if not raw.any():
            continue
        dwell = default_dwell_s if fence.dwell_s is None else fence.dwell_s
        inside = _debounce(raw, track.t, dwell)
        step = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(step == 1), np.flatnonzero(step == -1), strict=True):
            found.append(Visit(fence, int(a), int(b) if b < len(track) else None))
    return found


def smallest_containing(fences: tuple[Geofence, ...], lat: F64, lon: F64) -> list[Geofence | None]:
    """Per point, the smallest geofence it lies in (by area), or None."""
    lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
    best: list[Geofence | None] = [None] * lat.size
    if not fences or lat.size == 0:
        return best
    box = np.array([f.bbox for f in fences])  # lon0, lat0, lon1, lat1
    near = ((lon[:, None] >= box[None, :, 0]) & (lon[:, None] <= box[None, :, 2])
            & (lat[:, None] >= box[None, :, 1]) & (lat[:, None] <= box[None, :, 3]))  # fmt: skip
    area = np.full(lat.size, np.inf)
    for j in np.flatnonzero(near.any(axis=0)).tolist():
        pts = np.flatnonzero(near[:, j])
        hit = pts[fences[j].contains(lat[pts], lon[pts])]
        a = fences[j].area_deg2
        for i in hit.tolist():
            if a < area[i]:
                area[i], best[i] = a, fences[j]
    return best
