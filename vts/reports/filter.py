"""The fix filter, in Traccar's spirit (``FilterHandler``): drop fixes no report should see.

Rules, in the order they are applied (a fix is counted under the first that rejects it):

- ``invalid``: no position, or one outside -90..90 / -180..180, or no time;
- ``zero``: latitude and longitude both exactly 0 (a receiver's "no fix");
- ``accuracy``: HDOP above ``filter_max_hdop`` (only when set);
- ``future``: more than ``filter_future_s`` ahead of the build's clock;
- ``duplicate``: the same time as a fix already kept (the first, by ``event_id``, stays);
- ``jump``: the implied speed from the previous *kept* fix exceeds
  ``filter_max_speed_kmh`` (a GPS jump; the fix after it is judged against the fix
  before it, so one bad fix never takes good ones with it; ``REANCHOR`` consistent
  fixes far from the last kept fix mean that fix was the jump).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vts.geo import haversine_m
from vts.rules.params import ReportParams
from vts.rules.track import Bool, Track

# this many consecutive fixes that agree with each other but not with the last kept fix
# mean the last kept fix was the jump (say, the first fix of a day)
REANCHOR = 3
REASONS = ("invalid", "zero", "accuracy", "future", "duplicate", "jump")


@dataclass(frozen=True)
class Filtered:
    """The kept fixes, and each input fix's reason (-1: kept; else an index of REASONS)."""

    track: Track
    reason: np.ndarray

    def rejected(self, among: Bool | None = None) -> dict[str, int]:
        """How many fixes (of ``among``, default all) each reason rejected."""
        picked = self.reason if among is None else self.reason[among]
        counts = np.bincount(picked[picked >= 0], minlength=len(REASONS))
        return {code: int(counts[i]) for i, code in enumerate(REASONS) if counts[i]}


def filter_fixes(track: Track, params: ReportParams, now_s: float) -> Filtered:
    n = len(track)
    reason = np.full(n, -1, dtype=np.int64)

    def reject(mask: Bool, code: str) -> None:
        reason[(reason < 0) & mask] = REASONS.index(code)

    finite = np.isfinite(track.lat) & np.isfinite(track.lon) & np.isfinite(track.t)
    in_range = finite & (np.abs(track.lat) <= 90) & (np.abs(track.lon) <= 180)
    reject(~in_range, "invalid")
    reject((track.lat == 0) & (track.lon == 0), "zero")
    if params.filter_max_hdop is not None:
        reject(np.nan_to_num(track.hdop, nan=0.0) > params.filter_max_hdop, "accuracy")
    reject(track.t > now_s + params.filter_future_s, "future")
    same_time = np.zeros(n, dtype=bool)
    ok = np.flatnonzero(reason < 0)
    if ok.size > 1:
        same_time[ok[1:]] = np.diff(track.t[ok]) == 0  # sorted by time, then event_id
    reject(same_time, "duplicate")
    _reject_jumps(track, reason, params.filter_max_speed_kmh / 3.6)
    return Filtered(track.take(reason < 0), reason)


def _reject_jumps(track: Track, reason: np.ndarray, max_ms: float) -> None:
    ok = np.flatnonzero(reason < 0)
    if ok.size < 2:
        return
    t, la, lo = track.t[ok], track.lat[ok], track.lon[ok]
    implied = haversine_m(la[:-1], lo[:-1], la[1:], lo[1:]) / np.maximum(np.diff(t), 1e-3)
    if not (implied > max_ms).any():  # the usual case: no jump, nothing to walk
        return
    jump = REASONS.index("jump")

    def fast(a: int, b: int) -> bool:
        d = float(haversine_m(la[a], lo[a], la[b], lo[b]))
        return d / max(t[b] - t[a], 1e-3) > max_ms

    last, streak = 0, list[int]()
    for i in range(1, ok.size):  # only vehicles with a jump get here
        if not fast(last, i):
            last, streak = i, []
            continue
        reason[ok[i]] = jump
        streak = streak + [i] if streak and not fast(streak[-1], i) else [i]
        if len(streak) == REANCHOR:  # consistent fixes far from the anchor: it was the jump
            reason[ok[streak]] = -1
            reason[ok[last]] = jump
            last, streak = i, []
