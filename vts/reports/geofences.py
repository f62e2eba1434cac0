"""The place a trip starts or ends at, or a stop is at: the smallest geofence around it.

The geofences themselves (GeoJSON files, the lake's ``geofences`` table, which fixes lie
inside one) are reference data: ``vts.reference.geofences``; geofence visits (enter ..
exit, with the dwell) are a rule, ``vts.rules.places``.
"""

from __future__ import annotations

import numpy as np

from vts.reference.geofences import Geofence
from vts.rules.track import F64


def smallest_containing(fences: tuple[Geofence, ...], lat: F64, lon: F64) -> list[Geofence | None]:
    """Per point, the smallest geofence it lies in (by area), or None."""
    lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
    best: list[Geofence | None] = [None] * lat.size
    if not fences or lat.size == 0:
        return best
    box = np.array([f.bbox for f in fences])  # lon0, lat0, lon1, lat1
    near = (
        (lon[:, None] >= box[None, :, 0])
        & (lon[:, None] <= box[None, :, 2])
        & (lat[:, None] >= box[None, :, 1])
        & (lat[:, None] <= box[None, :, 3])
    )
    area = np.full(lat.size, np.inf)
    for j in np.flatnonzero(near.any(axis=0)).tolist():
        pts = np.flatnonzero(near[:, j])
        hit = pts[fences[j].contains(lat[pts], lon[pts])]
        a = fences[j].area_deg2
        for i in hit.tolist():
            if a < area[i]:
                area[i], best[i] = a, fences[j]
    return best
