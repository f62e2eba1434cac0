"""The ``geofences`` reference table, and geofence files: named polygons.

A geofence has an ``id``, a ``name``, a ``kind`` (free text; the simulator's scenarios
use ``KINDS``), optionally ``dwell_s`` (how long a vehicle stays inside, or outside,
before a visit begins, or ends; empty: the reports' default) and a shape, a GeoJSON
``Polygon`` or ``MultiPolygon`` (holes allowed, coordinates ``[longitude, latitude]``).

Two forms hold the same thing:

- a GeoJSON ``FeatureCollection`` file (what a person edits, a map draws, and the reports'
  ``--geofences`` takes): each feature's ``properties`` hold ``id`` (or the feature's
  ``id``), ``name``, ``kind`` and ``dwell_s``;
- the lake's ``geofences`` table (``GEOFENCES``): one row per feature, its geometry as
  GeoJSON text, so Spark, the crawler and Spectrum read it like any table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from vts import geo
from vts.reference.exceptions import GeofenceFileError, ReferenceDataError
from vts.reference.schema import GEOFENCES, KINDS

F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]
Ring = F64  # (n, 2) lon, lat; closed or not
__all__ = [
    "GEOFENCES",
    "KINDS",
    "Geofence",
    "from_geojson",
    "from_rows",
    "load_geojson",
    "read_geofences",
    "to_geojson",
    "to_rows",
    "write_geofences",
]


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
            poly = geo.in_ring(x, y, rings[0])
            for hole in rings[1:]:
                poly &= ~geo.in_ring(x, y, hole)
            hit |= poly
        inside[near] = hit
        return inside

    @property
    def area_deg2(self) -> float:
        """Outer rings' area (square degrees): the smallest fence a point lies in names it."""
        return sum(geo.ring_area_deg2(rings[0]) for rings in self.polygons)


def _rings(coords: Any) -> tuple[Ring, ...]:
    return tuple(np.asarray(r, dtype=np.float64)[:, :2] for r in coords)


def from_geojson(doc: Mapping[str, Any], source: str = "geojson") -> tuple[Geofence, ...]:
    """The geofences of a GeoJSON ``FeatureCollection`` (``GeofenceFileError`` if it is not
    one of polygons)."""
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
            )
        )
    return tuple(fences)


def load_geojson(path: str | Path) -> tuple[Geofence, ...]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeofenceFileError(str(path), f"cannot be read as JSON ({exc})") from exc
    return from_geojson(doc, str(path))


def to_rows(doc: Mapping[str, Any], source: str = "geojson") -> list[dict[str, Any]]:
    """A GeoJSON ``FeatureCollection`` as ``GEOFENCES`` rows (checked as ``from_geojson``)."""
    fences = from_geojson(doc, source)
    ids = [f.id for f in fences]
    if len(set(ids)) < len(ids):
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        raise GeofenceFileError(source, f"repeats the id {', '.join(repeated)}")
    return [
        {
            "id": fence.id,
            "name": fence.name,
            "kind": fence.kind,
            "dwell_s": fence.dwell_s,
            "geometry": json.dumps(feature["geometry"], separators=(",", ":")),
        }
        for fence, feature in zip(fences, doc["features"], strict=True)
    ]


def to_geojson(rows: Sequence[Mapping[str, Any]], name: str = "geofences") -> dict[str, Any]:
    """``GEOFENCES`` rows as a GeoJSON ``FeatureCollection`` (what a map draws)."""
    features = []
    for row in rows:
        props = {"id": row["id"], "name": row["name"], "kind": row["kind"]}
        if row.get("dwell_s") is not None:
            props["dwell_s"] = row["dwell_s"]
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "properties": props,
                "geometry": json.loads(row["geometry"]),
            }
        )
    return {"type": "FeatureCollection", "name": name, "features": features}


def from_rows(rows: Sequence[Mapping[str, Any]], source: str = "geofences") -> tuple[Geofence, ...]:
    """The geofences of ``GEOFENCES`` rows (as read from the lake)."""
    missing = [c for c in GEOFENCES.column_names if rows and c not in rows[0]]
    if missing:
        raise GeofenceFileError(source, f"has no {', '.join(missing)} column")
    try:
        doc = to_geojson(rows, source)
    except (TypeError, ValueError) as exc:
        raise GeofenceFileError(source, f"holds a geometry that is not GeoJSON ({exc})") from exc
    return from_geojson(doc, source)


def write_geofences(doc: Mapping[str, Any], path: str | Path) -> Path:
    """Write a GeoJSON ``FeatureCollection`` to ``path``: as the lake's table (``.parquet``,
    needs pyarrow) or as GeoJSON (``.geojson``/``.json``)."""
    target = Path(path)
    rows = to_rows(doc, str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = GEOFENCES.arrow_schema()
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), target)
    elif target.suffix in (".geojson", ".json"):
        target.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    else:
        raise ReferenceDataError(
            f"cannot write geofences as {target.name}",
            hint="name the file *.parquet (the lake's table) or *.geojson (GeoJSON)",
        )
    return target


def read_geofences(path: str | Path) -> tuple[Geofence, ...]:
    """The geofences of a local file: the lake's table (``.parquet``) or GeoJSON."""
    source = Path(path)
    if source.suffix != ".parquet":
        return load_geojson(source)
    import pyarrow.parquet as pq

    return from_rows(pq.read_table(source).to_pylist(), str(source))
