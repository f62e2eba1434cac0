"""Stops and trips of one vehicle, from its filtered fixes (Traccar's trip logic, in arrays).

A fix is *stationary* when its speed is at most ``speed_threshold_kmh``. A gap between
two fixes longer than ``stop_gap_s`` is stationary too when the vehicle did not cover it
by driving (it moved less than ``min_distance_m``, or slower than min distance / min
duration on average); otherwise the gap is a trip of its own, between two stops.

Runs of stationary fixes (and the fix just before one, when the vehicle was already
where it then stood: it arrived there) become stops: consecutive runs merge while every fix between
them stays within ``min_distance_m`` of where the earlier run stood (the vehicle went
nowhere), and a merged run is a stop when it lasts ``min_duration_s`` or more (so a
traffic-light halt never is). A stop starts at its arrival fix and ends at its last
stationary fix. Trips are what lies between stops: from a stop's last fix to the next stop's first.
A window's first and last pieces are cut by the window: ``complete`` is false for a trip
or stop still going on at the window's end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from vts.geo import haversine_m
from vts.rules.params import ReportParams
from vts.rules.track import Track

I64 = npt.NDArray[np.int64]

# a moving fix this close to the next (still) fix is where the vehicle arrived: with
# ``vehicle_data``'s speeds (the mean since the previous fix) it is the arrival fix
ARRIVAL_RADIUS_M = 5.0


@dataclass(frozen=True)
class Span:
    """Fixes ``first .. last`` (inclusive indexes into the track)."""

    first: int
    last: int
    complete: bool


@dataclass(frozen=True)
class Motion:
    stops: list[Span]
    trips: list[Span]


def _gap_kinds(track: Track, params: ReportParams) -> tuple[np.ndarray, np.ndarray]:
    """Per hop (fix i -> i+1): a long stationary gap, a long driven gap."""
    dt = np.diff(track.t)
    dist = track.hops_m()
    long = dt > params.stop_gap_s
    driven = (dist >= params.min_distance_m) & (
        dist / np.maximum(dt, 1e-9) > params.min_average_speed_ms
    )
    return long & ~driven, long & driven


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` of each run of True."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def detect(track: Track, params: ReportParams) -> Motion:
    n = len(track)
    if n == 0:
        return Motion([], [])
    still = np.nan_to_num(track.speed_kmh, nan=0.0) <= params.speed_threshold_kmh
    # the fix where the vehicle arrived (already where it then stays) starts the stop
    arrived = np.zeros(n, dtype=bool)
    arrived[:-1] = still[1:] & ~still[:-1] & (track.hops_m() <= ARRIVAL_RADIUS_M)
    still |= arrived
    parked_gap, driven_gap = _gap_kinds(track, params)
    # both ends of a parked gap belong to the stop it is; both ends of a driven gap are
    # stops of no duration: they end the trip before the gap and start the one after it
    still[:-1] |= parked_gap | driven_gap
    still[1:] |= parked_gap | driven_gap
    pieces: list[tuple[int, int]] = []
    for a, b in _runs(still):
        lo = a
        for c in (np.flatnonzero(driven_gap[a:b]) + a).tolist():
            pieces.append((lo, c))
            lo = c + 1
        pieces.append((lo, b))
    merged: list[list[int]] = []
    for a, b in pieces:
        if merged:  # a driven gap is never merged over: it covers min_distance_m or more
            pb = merged[-1][1]
            d = haversine_m(
                track.lat[pb], track.lon[pb], track.lat[pb : b + 1], track.lon[pb : b + 1]
            )
            if float(np.max(d)) < params.min_distance_m:
                merged[-1][1] = b
                continue
        merged.append([a, b])
    at_gap = np.zeros(n, dtype=bool)
    at_gap[:-1] |= driven_gap
    at_gap[1:] |= driven_gap
    breaks = [
        Span(a, b, complete=b < n - 1)
        for a, b in merged
        if track.t[b] - track.t[a] >= params.min_duration_s or at_gap[a] or at_gap[b]
    ]
    stops = [s for s in breaks if track.t[s.last] - track.t[s.first] >= params.min_duration_s]
    trips: list[Span] = []
    prev = 0 if not breaks or breaks[0].first > 0 else None
    for s in breaks:
        if prev is not None and s.first > prev:
            trips.append(Span(prev, s.first, complete=True))
        prev = s.last
    if prev is not None and prev < n - 1:
        trips.append(Span(prev, n - 1, complete=False))
    return Motion(stops, trips)
