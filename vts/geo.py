"""Geometry (vectorised), the project's one copy: distances, bearings, offsets, polygons.

A spherical earth for distances and bearings; a local flat projection (metres north and
east of a point) for small offsets; planar even-odd tests for polygons in degrees. The
reports, the live path and the simulator all measure with these.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8
# metres per degree of latitude (and of longitude at the equator) on that sphere
M_PER_DEG = EARTH_RADIUS_M * np.pi / 180.0

F64 = npt.NDArray[np.float64]


def haversine_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> F64:
    """Great-circle distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def bearing_deg(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> F64:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(y, x)) % 360.0)


def offset(
    lat: npt.ArrayLike, lon: npt.ArrayLike, north_m: npt.ArrayLike, east_m: npt.ArrayLike
) -> tuple[F64, F64]:
    """Move points by small north/east offsets in metres (local flat-earth approximation)."""
    la = np.asarray(lat, dtype=np.float64)
    lo = np.asarray(lon, dtype=np.float64)
    dlat = np.asarray(north_m) / M_PER_DEG
    dlon = np.asarray(east_m) / (M_PER_DEG * np.cos(np.radians(la)))
    return la + dlat, lo + dlon


def angle_diff_deg(a: npt.ArrayLike, b: npt.ArrayLike) -> F64:
    """Smallest absolute difference between two compass angles (0..180)."""
    d = (np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) % 360.0
    return np.asarray(np.minimum(d, 360.0 - d))


def in_ring(lon: npt.ArrayLike, lat: npt.ArrayLike, ring: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Which points lie inside a polygon ring (``(n, 2)`` lon, lat; closed or not).

    Even-odd ray casting in degrees, vectorised over points and edges.
    """
    x, y = np.atleast_1d(np.asarray(lon, dtype=np.float64)), np.atleast_1d(np.asarray(lat))
    r = np.asarray(ring, dtype=np.float64)
    xa, ya = r[:, 0], r[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    crosses = (ya[None, :] > y[:, None]) != (yb[None, :] > y[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = xa[None, :] + (y[:, None] - ya[None, :]) * (xb - xa)[None, :] / (yb - ya)[None, :]
    return np.asarray((crosses & (x[:, None] < x_at)).sum(axis=1) % 2 == 1)


def ring_area_deg2(ring: npt.ArrayLike) -> float:
    """A polygon ring's area in square degrees (shoelace; for comparing sizes only)."""
    r = np.asarray(ring, dtype=np.float64)
    x, y = r[:, 0], r[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
