"""The ``roads`` reference table (``vts.reference.roads``) as GeoJSON, for the live map.

Each row, checked as every reader of the table checks it, becomes a ``LineString`` feature
from its start to its end (GeoJSON's ``[lon, lat]``); its properties are the row's other
columns, less the bounding box the geometry already gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from vts.reference.roads import ROADS, check_roads, read_roads

_ENDS = ("start_lat", "start_lon", "end_lat", "end_lon")
_BOX = ("min_lat", "min_lon", "max_lat", "max_lon")


def roads_geojson(rows: Sequence[Mapping[str, Any]], source: str = "rows") -> dict[str, Any]:
    """A GeoJSON ``FeatureCollection`` of the segments (``RoadTableError`` on a bad row)."""
    check_roads(rows, source)
    features = []
    for row in rows:
        a_lat, a_lon, b_lat, b_lon = (float(row[c]) for c in _ENDS)
        features.append(
            {
                "type": "Feature",
                "id": str(row["road_id"]),
                "geometry": {"type": "LineString", "coordinates": [[a_lon, a_lat], [b_lon, b_lat]]},
                "properties": {k: v for k, v in row.items() if k not in _ENDS and k not in _BOX},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def lake_roads_file(lake: Path) -> Path:
    """Where a local lake keeps its ``roads`` table."""
    return lake / ROADS.name / ROADS.file_name


def read_lake_roads(lake: Path) -> list[dict[str, Any]] | None:
    """The lake's ``roads`` rows (checked), or None when the lake has no roads table."""
    path = lake_roads_file(lake)
    return read_roads(path) if path.exists() else None
