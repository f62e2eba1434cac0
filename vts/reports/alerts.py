"""The one alert the reports judge on their own: ``silent``.

``silent``: no fix for ``silent_gap_s`` or more while the vehicle was not stopped (the gap
lies inside a trip, not a stop, by the reports' trip logic, ``vts.reports.motion``);
``value``: the gap (s). It needs the stops around the gap, which only a window of fixes
shows, so it is not (yet) one of the incremental rules in ``vts.rules`` that the live path
runs too: overspeed, harsh braking and acceleration, low fuel, geofence visits, nearness
to incidents.
"""

from __future__ import annotations

import numpy as np

from vts.reports.motion import Motion
from vts.rules.episode import Episode
from vts.rules.params import ReportParams
from vts.rules.track import Track


def silent(track: Track, motion: Motion, params: ReportParams) -> list[Episode]:
    if len(track) < 2:
        return []
    gaps = np.flatnonzero(np.diff(track.t) >= params.silent_gap_s)
    stopped = np.zeros(len(track), dtype=bool)
    for s in motion.stops:
        stopped[s.first : s.last + 1] = True
    return [
        Episode(
            track.vehicle_id,
            "silent",
            float(track.t[i]),
            float(track.t[i + 1]),
            True,
            float(track.lat[i]),
            float(track.lon[i]),
            float(track.t[i + 1] - track.t[i]),
            params.silent_gap_s,
        )
        for i in gaps.tolist()
        if not (stopped[i] and stopped[i + 1])
    ]
