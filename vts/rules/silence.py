"""``silent``: no fix for ``silent_gap_s`` or more while the vehicle was not stopped.

The vehicle was *stopped* when its last fix before the gap was stationary: a speed of at
most ``speed_threshold_kmh`` (Traccar's motion threshold; a fix without a speed counts as
stationary, as it does for the trip logic). That is decided by the fixes up to the gap
alone, so the same rule runs in the reports and live, where the gap is still going on:

- ``gaps``: the episodes the new fixes end, one per gap of ``silent_gap_s`` or more after
  a moving fix (the carried last fix included): ``start_ts`` the fix before the gap (and
  ``latitude``/``longitude`` there), ``end_ts`` the first fix after it, ``value`` the gap
  (s). ``vts.rules.fold.step`` runs it with the other rules.
- ``open_silence``: the episode still going on at ``horizon``, the time up to which the
  absence of fixes is known (the reports: the build's window end or clock; live: the
  stream's clock, ``vts.live.silence``): the last fix was moving and is ``silent_gap_s`` or
  more before it. ``end_ts`` is that last fix, ``value`` NaN (not known yet), ``ended``
  false. The fix that ends the gap turns it into ``gaps``' episode: the same id.
- ``due``: when the vehicle becomes silent if nothing comes (``None`` when stopped), what
  the live store indexes its vehicles by.

The state they read: ``prev`` (the last fix: time, latitude, longitude, speed), which
``step`` keeps; nothing of their own.
"""

from __future__ import annotations

import math

import numpy as np

from vts.rules.episode import Episode, State
from vts.rules.params import ReportParams
from vts.rules.track import Track

ALERT = "silent"


def _moving(speed_kmh: float | None, params: ReportParams) -> bool:
    return (
        speed_kmh is not None
        and math.isfinite(speed_kmh)
        and (speed_kmh > params.speed_threshold_kmh)
    )


def gaps(tr: Track, state: State, params: ReportParams) -> list[Episode]:
    """The silences the fixes of ``tr`` (all later than ``state``'s last) end."""
    prev = state.get("prev")
    t, lat, lon, speed = tr.t, tr.lat, tr.lon, tr.speed_kmh
    if prev is not None:
        t, lat, lon = np.r_[prev[0], t], np.r_[prev[1], lat], np.r_[prev[2], lon]
        speed = np.r_[np.nan if prev[3] is None else prev[3], speed]
    if t.size < 2:
        return []
    moving = np.nan_to_num(speed[:-1], nan=0.0) > params.speed_threshold_kmh
    dt = np.diff(t)
    return [
        Episode(
            tr.vehicle_id,
            ALERT,
            float(t[i]),
            float(t[i + 1]),
            True,
            float(lat[i]),
            float(lon[i]),
            float(dt[i]),
            params.silent_gap_s,
        )
        for i in np.flatnonzero((dt >= params.silent_gap_s) & moving).tolist()
    ]


def due(state: State, params: ReportParams) -> float | None:
    """When the vehicle falls silent unless a fix comes: its last fix + ``silent_gap_s``
    if it was moving then, else ``None``."""
    prev = state.get("prev")
    if prev is None or not _moving(prev[3], params):
        return None
    return float(prev[0]) + params.silent_gap_s


def open_silence(
    vehicle_id: str, state: State, horizon: float, params: ReportParams
) -> Episode | None:
    """The silence going on at ``horizon`` (epoch s), if any."""
    at = due(state, params)
    if at is None or horizon < at:
        return None
    t, lat, lon = (float(x) for x in state["prev"][:3])
    return Episode(vehicle_id, ALERT, t, t, False, lat, lon, math.nan, params.silent_gap_s)
