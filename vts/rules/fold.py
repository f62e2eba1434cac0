"""Every rule over a vehicle's new fixes (``step``), and over a whole track (``fold``).

``step`` is what the live handler runs per batch and ``fold`` what the reports run per
vehicle and day; ``fold`` is ``step`` over one batch (or, in the tests, over many: the
episodes come out the same). A fix no later than the last one a state has seen is
skipped (a replayed or late fix: the live path never goes back in time), so a batch
stepped twice changes nothing the second time.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from vts.reference.geofences import Geofence
from vts.reference.roadmatch import RoadIndex
from vts.rules import driving, places, silence
from vts.rules.episode import Episode, State
from vts.rules.params import ReportParams
from vts.rules.places import Incident
from vts.rules.track import Track


@dataclass(frozen=True, eq=False)
class RuleContext:
    """What the rules judge fixes against: parameters, roads, geofences, incidents."""

    params: ReportParams
    roads: RoadIndex | None = None
    fences: tuple[Geofence, ...] = ()
    incidents: tuple[Incident, ...] = ()


def step(track: Track, state: State, ctx: RuleContext) -> tuple[State, list[Episode]]:
    """The new state (``state`` is left as it was) and the episodes these fixes started,
    continued or ended."""
    state = copy.deepcopy(state)
    prev = state.get("prev")
    if prev is not None:
        track = track.take(np.flatnonzero(track.t > prev[0]))
    if len(track) == 0:
        return state, []
    p = ctx.params
    found = driving.harsh(track, state, p) + driving.low_fuel(track, state, p)
    if ctx.roads is not None:
        found += driving.overspeed(track, state, ctx.roads, p)
    found += places.geofences(track, state, ctx.fences, p)
    found += places.near_incidents(track, state, ctx.incidents, p)
    found += silence.gaps(track, state, p)
    last = len(track) - 1
    state["prev"] = [
        float(track.t[last]),
        float(track.lat[last]),
        float(track.lon[last]),
        float(track.speed_kmh[last]),
    ]
    return state, found


def latest(episodes: Iterable[Episode]) -> list[Episode]:
    """Each episode's newest version (by id), ordered by start, type and subject."""
    by_id = {e.id: e for e in episodes}
    return sorted(by_id.values(), key=lambda e: (e.start_ts, e.alert, e.subject))


def fold(
    track: Track, ctx: RuleContext, cuts: Sequence[int] = (), horizon: float | None = None
) -> list[Episode]:
    """Every episode of ``track`` as known after its last fix: ``step`` over the track
    in one batch, or cut before each index in ``cuts``; with ``horizon`` (epoch s: until
    when the absence of fixes is known), also the silence still going on then
    (``vts.rules.silence.open_silence``)."""
    state: State = {}
    found: list[Episode] = []
    bounds = [0, *cuts, len(track)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        state, episodes = step(track.take(np.arange(a, b)), state, ctx)
        found += episodes
    if horizon is not None:
        still = silence.open_silence(track.vehicle_id, state, horizon, ctx.params)
        found += [still] if still is not None else []
    return latest(found)
