"""Spherical-earth helpers (vectorised): distances, bearings and metre offsets."""

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
