"""The roads reference table as GeoJSON, for the live map.

The rows are the lake's ``roads`` table (``vts.reports.roads.ROAD_FIELDS``: ``road_id``,
``speed_limit_kmh`` and the segment's end points); each becomes a ``LineString`` feature
whose properties are the row's other columns (not its bounding box). Coordinates are
GeoJSON's ``[lon, lat]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from vts.exceptions import ConfigError
from vts.reports.roads import ROAD_FIELDS

_ENDS = ROAD_FIELDS[2:]  # start_lat, start_lon, end_lat, end_lon
_BOX = ("min_lat", "min_lon", "max_lat", "max_lon")  # the geometry says it already


def roads_geojson(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A GeoJSON ``FeatureCollection`` of the segments; a row missing a field is an error."""
    features = []
    for n, row in enumerate(rows):
        missing = [f for f in ROAD_FIELDS if row.get(f) is None]
        if missing:
            raise ConfigError(
                f"roads row {n} ({row.get('road_id', 'no road_id')}) has no {', '.join(missing)}",
                hint=f"every roads row needs {', '.join(ROAD_FIELDS)}",
            )
        a_lat, a_lon, b_lat, b_lon = (float(row[f]) for f in _ENDS)
        if not all(map(math.isfinite, (a_lat, a_lon, b_lat, b_lon))):
            raise ConfigError(f"roads row {n} ({row['road_id']}) has a non-finite end point")
        properties = {k: v for k, v in row.items() if k not in _ENDS and k not in _BOX}
        features.append(
            {
                "type": "Feature",
                "id": str(row["road_id"]),
                "geometry": {"type": "LineString", "coordinates": [[a_lon, a_lat], [b_lon, b_lat]]},
                "properties": properties,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def lake_roads_file(lake: Path) -> Path:
    """Where a local lake keeps its ``roads`` table (as the demo and the reports read it)."""
    return lake / "roads" / "roads.parquet"


def read_lake_roads(lake: Path) -> list[dict[str, Any]] | None:
    """The lake's ``roads`` rows, or None when the lake has no roads table."""
    path = lake_roads_file(lake)
    if not path.exists():
        return None
    try:
        import pyarrow.parquet as pq
    except ImportError:
        from vts.exceptions import NotInstalledError

        raise NotInstalledError("pyarrow (to read the roads table)", extra="spark") from None
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows
