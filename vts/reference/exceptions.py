"""Errors of the reference data (roads, geofences)."""

from __future__ import annotations

from vts.exceptions import ConfigError


class ReferenceDataError(ConfigError):
    """Reference data that does not follow its schema (``vts.reference``)."""


class RoadTableError(ReferenceDataError):
    """A roads table with missing columns or values out of range."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(
            f"roads table {source} {problem}",
            hint="write it with vts.reference.roads.write_roads (columns: docs/reference.md), "
            "or let `vts simulate --reference LAKE` write the scenario's",
        )


class GeofenceFileError(ReferenceDataError):
    """A geofence file that is not a GeoJSON collection of polygons."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(
            f"geofence file {source} {problem}",
            hint="pass a GeoJSON FeatureCollection of Polygon/MultiPolygon features "
            "(coordinates [lon, lat]); `vts reports geofences` writes the scenario's as one",
        )
