"""The reference tables' schemas: each column's name, type and meaning (no I/O, stdlib only).

``docs/reference.md`` lists them (``tests/reference/test_docs.py`` holds it equal to these).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a reference table: its name, Arrow type (``string``/``double``) and
    what it means."""

    name: str
    type: str
    meaning: str
    nullable: bool = False


@dataclass(frozen=True)
class ReferenceTable:
    """A reference table: its lake folder (= its table name), file name and columns."""

    name: str
    columns: tuple[Column, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def arrow_schema(self) -> object:
        """The table's ``pyarrow.Schema`` (needs pyarrow)."""
        import pyarrow as pa

        types = {"string": pa.string(), "double": pa.float64()}
        # every field nullable, as Spark and the crawler read Parquet anyway
        return pa.schema([pa.field(c.name, types[c.type]) for c in self.columns])


ROAD_CLASSES = ("ring", "arterial", "collector", "residential", "school_zone")

ROADS = ReferenceTable(
    "roads",
    (
        Column("road_id", "string", "the segment's id, unique in the table, e.g. R-0042"),
        Column("road_name", "string", "the road the segment is part of, e.g. Avenue 4"),
        Column("road_class", "string", f"one of {', '.join(ROAD_CLASSES)}"),
        Column("speed_limit_kmh", "double", "the segment's speed limit, km/h (> 0)"),
        Column("length_m", "double", "the segment's great-circle length, metres"),
        Column("start_lat", "double", "latitude of the segment's first end, degrees"),
        Column("start_lon", "double", "longitude of the segment's first end, degrees"),
        Column("end_lat", "double", "latitude of the segment's other end, degrees"),
        Column("end_lon", "double", "longitude of the segment's other end, degrees"),
        Column("min_lat", "double", "the segment's bounding box: least latitude"),
        Column("min_lon", "double", "the segment's bounding box: least longitude"),
        Column("max_lat", "double", "the segment's bounding box: greatest latitude"),
        Column("max_lon", "double", "the segment's bounding box: greatest longitude"),
    ),
)

KINDS = ("depot", "place", "low_emission_zone", "school_zone")

GEOFENCES = ReferenceTable(
    "geofences",
    (
        Column("id", "string", "the geofence's id, unique in the table, e.g. depot-1"),
        Column("name", "string", "what a person calls it, e.g. Depot 1"),
        Column("kind", "string", f"free text; the scenarios use {', '.join(KINDS)}"),
        Column(
            "dwell_s",
            "double",
            "seconds in (or out) before a visit begins (or ends); "
            "empty: the reports' geofence_dwell_s",
            nullable=True,
        ),
        Column("geometry", "string", "a GeoJSON Polygon or MultiPolygon ([lon, lat]), as text"),
    ),
)

TABLES = (ROADS, GEOFENCES)

# The live copy of the tables (``vts.live.reference``): the same rows in their plain-text
# forms (roads as CSV, geofences as GeoJSON), in the data bucket under ``reference/``.
LIVE_COPY_PREFIX = "reference/"
LIVE_COPY_FILES = {ROADS.name: "roads.csv", GEOFENCES.name: "geofences.geojson"}
