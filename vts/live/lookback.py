"""``near_incident`` for fixes handled before their incident was known: the look-back.

An incident comes on its own topic, so its first report can be handled in a later batch
than the fixes of a vehicle already at the scene. When the live alerts learn of an
incident (``vts.live.alerts``), they look back: for each vehicle that may have been
within ``near_incident_radius_m`` since the incident's ``active_from``, the reports' rule
(``vts.rules.places.near_incidents``, for that incident only) runs over the vehicle's
``vehicle_data`` fixes since then up to its last fix handled, and its result replaces the
vehicle's carried episode for that incident, so the next fixes continue it (same alert id).

The fixes come from a short trail the alerts keep per vehicle (``{p}:af:<vehicle>``, the
fixes the rules stepped over, scored by event time in us, ``trail_s`` of event time
behind the vehicle's newest), written by the same script as the alerts
(``lua/write_alerts.lua``). The vehicles are bounded by the store's geo index of current
positions: within the radius plus how far a vehicle can travel (``MAX_SPEED_MS``) from the
incident's start to the newest event time in the store.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from vts.rules.episode import Episode, State
from vts.rules.params import ReportParams
from vts.rules.places import Incident, near_incidents
from vts.rules.track import Track

MAX_SPEED_MS = 70.0  # 252 km/h: no vehicle of the fleet travels farther between two fixes


def fix_members(track: Track) -> list[str]:
    """A track's fixes as the trail's ZADD arguments: ``[t_us, "t_us lat lon", ...]``
    (each float as its shortest round-trip text, so the look-back reads the same fix)."""
    out: list[str] = []
    for t, lat, lon in zip(track.t.tolist(), track.lat.tolist(), track.lon.tolist(), strict=True):
        t_us = str(round(t * 1e6))
        out += [t_us, f"{t_us} {lat!r} {lon!r}"]
    return out


def trail_track(vehicle_id: str, members: Sequence[str]) -> Track:
    """The trail's members (``fix_members``) as a track, oldest first (only time and
    position: all ``near_incidents`` reads)."""
    rows = sorted((int(a), float(b), float(c)) for a, b, c in (m.split(" ") for m in members))
    t = np.array([r[0] / 1e6 for r in rows], dtype=np.float64)
    unknown = np.full(t.size, np.nan)
    return Track(
        vehicle_id,
        t,
        np.array([r[1] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype=np.float64),
        *(unknown for _ in range(5)),
    )


def look_back(
    track: Track, state: State, incidents: Sequence[Incident], params: ReportParams
) -> tuple[State, list[Episode]]:
    """The state (``state`` is left as it was) and the ``near_incident`` episodes of
    ``incidents`` over ``track``'s fixes from each one's ``active_from`` up to the state's
    last fix: what the batch stepping would have found, had the incidents been known."""
    state = copy.deepcopy(state)
    prev = state.get("prev")
    if prev is None:
        return state, []
    track = track.take(np.flatnonzero(track.t <= prev[0]))
    near = state.get("near", {})
    found: list[Episode] = []
    for inc in incidents:
        part = track.take(np.flatnonzero(track.t >= inc.active_from))
        alone: State = {}  # this incident only, from its start (a retry recomputes it whole)
        found += near_incidents(part, alone, [inc], params)
        run = alone.get("near", {}).get(inc.incident_id)
        if run is None:
            near.pop(inc.incident_id, None)
        else:
            near[inc.incident_id] = run
    if near:
        state["near"] = near
    else:
        state.pop("near", None)
    return state, found
