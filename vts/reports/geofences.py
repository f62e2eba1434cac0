"""Geofences: GeoJSON polygons, which fixes lie inside them, and visits (enter .. exit).

A geofence file is a GeoJSON ``FeatureCollection`` of ``Polygon``/``MultiPolygon``
features (holes allowed), each with ``properties``: ``id`` (or the feature's ``id``),
``name``, ``kind`` (free text: depot, low_emission_zone, school_zone, place, ...) and
optionally ``dwell_s``. Coordinates are ``[longitude, latitude]`` as GeoJSON says.

A visit begins at the first fix inside once the vehicle has stayed inside ``dwell_s``,
and ends at the first fix outside once it has stayed outside ``dwell_s`` (so a drive-by,
or a fix or two of GPS noise across the boundary, fires nothing). ``exit_ts`` is empty
for a vehicle still inside at the window's end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vts.reports.exceptions import GeofenceFileError
from vts.reports.track import F64, Bool, Track

Ring = F64  # (n, 2) lon, lat; closed or not


@dataclass(frozen=True, eq=False)
class Geofence:
    id: str
    name: str
    kind: str
    polygons: tuple[tuple[Ring, ...], ...]  # each: outer ring, then holes
    dwell_s: float | None = None
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # lon0, lat0, lon1, lat1

    def contains(self, lat: F64, lon: F64) -> Bool:
        lon0, lat0, lon1, lat1 = self.bbox
        inside = np.zeros(lat.size, dtype=bool)
        near = (lon >= lon0) & (lon <= lon1) & (lat >= lat0) & (lat <= lat1)
        if not near.any():
            return inside
        x, y = lon[near], lat[near]
        hit = np.zeros(x.size, dtype=bool)
        for rings in self.polygons:
            poly = _in_ring(x, y, rings[0])
            for hole in rings[1:]:
                poly &= ~_in_ring(x, y, hole)
            hit |= poly
        inside[near] = hit
        return inside

    @property
    def area_deg2(self) -> float:
        """Outer rings' area (square degrees): the smallest fence a point lies in names it."""
        total = 0.0
        for rings in self.polygons:
            x, y = rings[0][:, 0], rings[0][:, 1]
            total += 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))
        return total


def _in_ring(x: F64, y: F64, ring: Ring) -> Bool:
    """Even-odd ray casting, vectorised over points and edges."""
    xa, ya = ring[:, 0], ring[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    crosses = (ya[None, :] > y[:, None]) != (yb[None, :] > y[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = xa[None, :] + (y[:, None] - ya[None, :]) * (xb - xa)[None, :] / (yb - ya)[None, :]
    return np.asarray((crosses & (x[:, None] < x_at)).sum(axis=1) % 2 == 1)


def _rings(coords: Any) -> tuple[Ring, ...]:
    return tuple(np.asarray(r, dtype=np.float64)[:, :2] for r in coords)


def from_geojson(doc: dict[str, Any], source: str = "geojson") -> tuple[Geofence, ...]:
    if doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise GeofenceFileError(source, "is not a GeoJSON FeatureCollection")
    fences = []
    for n, feature in enumerate(doc["features"]):
        geom = (feature or {}).get("geometry") or {}
        props = feature.get("properties") or {}
        try:
            if geom.get("type") == "Polygon":
                polygons: tuple[tuple[Ring, ...], ...] = (_rings(geom["coordinates"]),)
            elif geom.get("type") == "MultiPolygon":
                polygons = tuple(_rings(p) for p in geom["coordinates"])
            else:
                raise GeofenceFileError(
                    source, f"feature {n} is a {geom.get('type')!r}, not a (Multi)Polygon"
                )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise GeofenceFileError(source, f"feature {n} has malformed coordinates") from exc
        pts = np.concatenate([r for p in polygons for r in p])
        fid = str(props.get("id", feature.get("id", f"fence-{n}")))
        dwell = props.get("dwell_s")
        fences.append(
            Geofence(
                fid,
                str(props.get("name", fid)),
                str(props.get("kind", "geofence")),
                polygons,
                None if dwell is None else float(dwell),
                (
                    float(pts[:, 0].min()),
                    float(pts[:, 1].min()),
                    float(pts[:, 0].max()),
                    float(pts[:, 1].max()),
                ),
            )  # fmt: skip
        )
    return tuple(fences)


def load_geojson(path: str | Path) -> tuple[Geofence, ...]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeofenceFileError(str(path), f"cannot be read as JSON ({exc})") from exc
    return from_geojson(doc, str(path))


@dataclass(frozen=True)
class Visit:
    fence: Geofence
    enter: int  # fix index
    exit: int | None  # first fix outside, None while still inside


def _debounce(inside: Bool, t: F64, dwell: float) -> Bool:
    """``inside`` with every run (in or out) that lasted less than ``dwell`` flipped.

    A run lasts from its first fix to the next run's first fix (the last run: to the
    last fix). The first run sets the state the window starts in.
    """
    if inside.size == 0:
        return inside.copy()
    edges = np.flatnonzero(np.diff(inside.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges]).tolist()
    ends = np.concatenate([edges, [inside.size]]).tolist()  # exclusive
    out = np.empty_like(inside)
    current = bool(inside[0])
    for a, b in zip(starts, ends, strict=True):
        lasted = (t[b] if b < t.size else t[-1]) - t[a]
        if bool(inside[a]) != current and lasted >= dwell:
            current = bool(inside[a])
        out[a:b] = current
    return out


def visits(track: Track, fences: tuple[Geofence, ...], default_dwell_s: float) -> list[Visit]:
    found: list[Visit] = []
    for fence in fences:
        raw = fence.contains(track.lat, track.lon)
        if not raw.any():
            continue
        dwell = default_dwell_s if fence.dwell_s is None else fence.dwell_s
        inside = _debounce(raw, track.t, dwell)
        step = np.diff(np.concatenate([[0], inside.astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(step == 1), np.flatnonzero(step == -1), strict=True):
            found.append(Visit(fence, int(a), int(b) if b < len(track) else None))
    return found


def smallest_containing(fences: tuple[Geofence, ...], lat: F64, lon: F64) -> list[Geofence | None]:
    """Per point, the smallest geofence it lies in (by area), or None."""
    lat, lon = np.atleast_1d(lat), np.atleast_1d(lon)
    best: list[Geofence | None] = [None] * lat.size
    if not fences or lat.size == 0:
        return best
    box = np.array([f.bbox for f in fences])  # lon0, lat0, lon1, lat1
    near = ((lon[:, None] >= box[None, :, 0]) & (lon[:, None] <= box[None, :, 2])
            & (lat[:, None] >= box[None, :, 1]) & (lat[:, None] <= box[None, :, 3]))  # fmt: skip
    area = np.full(lat.size, np.inf)
    for j in np.flatnonzero(near.any(axis=0)).tolist():
        pts = np.flatnonzero(near[:, j])
        hit = pts[fences[j].contains(lat[pts], lon[pts])]
        a = fences[j].area_deg2
        for i in hit.tolist():
            if a < area[i]:
                area[i], best[i] = a, fences[j]
    return best
