"""Where a vehicle is: geofence visits and nearness to emergency incidents.

- ``geofence`` (one episode per visit; ``subject``: the geofence's id): a visit begins at
  the first fix inside once the vehicle has stayed inside ``dwell_s`` (the fence's own,
  else ``geofence_dwell_s``), and ends at the first fix outside once it has stayed
  outside ``dwell_s``, so a drive-by, or a fix or two of GPS noise across the boundary,
  fires nothing. A run of fixes on one side lasts from its first fix to the next run's
  first fix (while it goes on: to the newest fix). The vehicle's first fix ever sets the
  side it starts on. ``end_ts``: the first fix outside; the episode is raised when the
  enter is decided (the dwell passed) and ended when the exit is.
- ``near_incident`` (one episode per incident; ``subject``: the incident's id): the
  vehicle within ``near_incident_radius_m`` of an emergency incident while it is active
  (from its first report to the first that says ``Resolved``); from the first fix near
  to the last (``value``: the closest it came, m).

The state they carry, per geofence or incident the vehicle is in or near:
``fences[id] = [side, run side, run start t, lat, lon, open visit's start t, lat, lon]``
and ``near[id]`` (the open
episode).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from vts.geo import haversine_m
from vts.reference.geofences import Geofence
from vts.rules.driving import runs
from vts.rules.episode import Episode, State
from vts.rules.params import ReportParams
from vts.rules.track import Track

RESOLVED = "Resolved"


def geofences(
    tr: Track, state: State, fences: Sequence[Geofence], params: ReportParams
) -> list[Episode]:
    n = len(tr)
    carried: dict[str, list[Any]] = state.get("fences", {})
    first_ever = state.get("prev") is None
    found: list[Episode] = []
    if n == 0:
        return found
    out: dict[str, list[Any]] = {}
    near = _near(fences, tr)
    for j, fence in enumerate(fences):
        memo = carried.get(fence.id)
        if memo is None and not near[j]:
            continue
        raw = fence.contains(tr.lat, tr.lon)
        if memo is None and not raw.any():
            continue
        if memo is None:  # outside so far, or (its first fix ever) where it starts
            side = bool(raw[0]) if first_ever else False
            start = [float(tr.t[0]), float(tr.lat[0]), float(tr.lon[0])]
            memo = [side, side, *start, start if side else None]
            if side:
                found.append(_visit(tr, fence, start, None))
        dwell = params.geofence_dwell_s if fence.dwell_s is None else fence.dwell_s
        edges = np.flatnonzero(np.diff(raw.astype(np.int8))) + 1
        for a, b in zip(np.r_[0, edges].tolist(), np.r_[edges, n].tolist(), strict=True):
            if bool(raw[a]) != memo[1]:  # a new run: the carried one lasted until t[a]
                _flip(tr, fence, memo, float(tr.t[a]), dwell, found)
                memo[1:5] = [bool(raw[a]), float(tr.t[a]), float(tr.lat[a]), float(tr.lon[a])]
            _flip(tr, fence, memo, float(tr.t[b - 1]), dwell, found)
        if memo[0] or memo[1]:
            out[fence.id] = memo
    _keep(state, "fences", out)
    return found


def _near(fences: Sequence[Geofence], tr: Track) -> npt.NDArray[np.bool_]:
    """Per fence, whether its box overlaps the box of the fixes (a fix may be inside)."""
    if not fences:
        return np.zeros(0, dtype=bool)
    box = np.array([f.bbox for f in fences])  # lon0, lat0, lon1, lat1
    lat0, lat1 = np.nanmin(tr.lat), np.nanmax(tr.lat)
    lon0, lon1 = np.nanmin(tr.lon), np.nanmax(tr.lon)
    return np.asarray(
        (box[:, 0] <= lon1) & (box[:, 2] >= lon0) & (box[:, 1] <= lat1) & (box[:, 3] >= lat0)
    )


def _flip(
    tr: Track, fence: Geofence, memo: list[Any], now: float, dwell: float, found: list[Episode]
) -> None:
    """When the run on the other side has lasted ``dwell`` (at ``now``), the vehicle
    changed sides at its start: an enter starts a visit, an exit ends the open one."""
    if memo[1] == memo[0] or now - memo[2] < dwell:
        return
    memo[0] = memo[1]
    if memo[0]:
        memo[5] = memo[2:5]
        found.append(_visit(tr, fence, memo[5], None))
    elif memo[5] is not None:
        found.append(_visit(tr, fence, memo[5], memo[2]))
        memo[5] = None


def _visit(tr: Track, fence: Geofence, start: list[Any], exit_ts: float | None) -> Episode:
    return Episode(
        tr.vehicle_id,
        "geofence",
        start[0],
        exit_ts,
        exit_ts is not None,
        start[1],
        start[2],
        0.0,
        0.0,
        subject=fence.id,
        name=fence.name,
    )


@dataclass(frozen=True)
class Incident:
    """An emergency incident while active: ``[active_from, active_to)`` (epoch s)."""

    incident_id: str
    incident_type: str
    latitude: float
    longitude: float
    active_from: float
    active_to: float = float("inf")


def incidents_from_events(rows: Sequence[dict[str, Any]]) -> list[Incident]:
    """Incidents from ``emergency_data`` rows (``incident_id, incident_type, status,
    latitude, longitude, ts`` as epoch s): active from the first report, until the first
    ``Resolved`` one; the tutorial's ``None`` reports are not incidents."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("incident_type") != "None" and r.get("latitude") is not None:
            by_id.setdefault(str(r["incident_id"]), []).append(r)
    found = []
    for incident_id, events in sorted(by_id.items()):
        events.sort(key=lambda r: (r["ts"], str(r.get("event_id", ""))))
        first = events[0]
        done = [r["ts"] for r in events if r.get("status") == RESOLVED]
        found.append(
            Incident(
                incident_id,
                str(first["incident_type"]),
                float(first["latitude"]),
                float(first["longitude"]),
                float(first["ts"]),
                float(done[0]) if done else float("inf"),
            )
        )
    return found


def near_incidents(
    tr: Track, state: State, incidents: Sequence[Incident], params: ReportParams
) -> list[Episode]:
    n = len(tr)
    carried: dict[str, dict[str, Any]] = state.get("near", {})
    out: dict[str, dict[str, Any]] = {}
    found: list[Episode] = []
    if n == 0:
        return found
    radius = params.near_incident_radius_m
    for inc in incidents:
        run = carried.get(inc.incident_id)
        alive = (tr.t >= inc.active_from) & (tr.t < inc.active_to)
        if run is None and not alive.any():
            continue
        dist = haversine_m(tr.lat, tr.lon, inc.latitude, inc.longitude)
        near = alive & (dist <= radius)
        if run is not None and not near[0]:
            found.append(_near_episode(tr, inc, run, True, radius))
            run = None
        for a, b in runs(near):
            closest = float(np.min(dist[a : b + 1]))
            if a == 0 and run is not None:
                run["value"] = min(run["value"], closest)
            else:
                run = {
                    "s": float(tr.t[a]),
                    "la": float(tr.lat[a]),
                    "lo": float(tr.lon[a]),
                    "value": closest,
                }
            run["last"] = float(tr.t[b])
            closed = b < n - 1
            found.append(_near_episode(tr, inc, run, closed, radius))
            run = None if closed else run
        if run is not None:
            out[inc.incident_id] = run
    # an incident no longer listed (resolved, expired) ends what was near it
    listed = {i.incident_id for i in incidents}
    for incident_id, run in carried.items():
        if incident_id not in listed:
            found.append(
                Episode(
                    tr.vehicle_id,
                    "near_incident",
                    run["s"],
                    run["last"],
                    True,
                    run["la"],
                    run["lo"],
                    run["value"],
                    radius,
                    subject=incident_id,
                    name=run.get("name"),
                )
            )
    _keep(state, "near", out)
    return found


def _near_episode(
    tr: Track, inc: Incident, run: dict[str, Any], ended: bool, radius: float
) -> Episode:
    run["name"] = inc.incident_type
    return Episode(
        tr.vehicle_id,
        "near_incident",
        run["s"],
        run["last"],
        ended,
        run["la"],
        run["lo"],
        run["value"],
        radius,
        subject=inc.incident_id,
        name=inc.incident_type,
    )


def _keep(state: State, key: str, value: dict[str, Any]) -> None:
    if value:
        state[key] = value
    else:
        state.pop(key, None)
