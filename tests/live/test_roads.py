"""The roads table as the live map's GeoJSON: the lake's rows, drawn segment by segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.outputs.reference import road_table, write_reference
from vts.live.roads import read_lake_roads, roads_geojson
from vts.reference.exceptions import RoadTableError


def test_every_segment_becomes_a_line_from_its_start_to_its_end_in_lon_lat_order() -> None:
    rows = road_table("city")
    doc = roads_geojson(rows)
    assert doc["type"] == "FeatureCollection"
    assert len(doc["features"]) == len(rows) > 100
    first, row = doc["features"][0], rows[0]
    assert first["geometry"] == {
        "type": "LineString",
        "coordinates": [[row["start_lon"], row["start_lat"]], [row["end_lon"], row["end_lat"]]],
    }
    assert first["id"] == row["road_id"]
    assert first["properties"]["speed_limit_kmh"] == row["speed_limit_kmh"]
    assert first["properties"]["road_name"] == row["road_name"]
    assert "start_lat" not in first["properties"] and "min_lat" not in first["properties"]


def test_a_bad_row_is_refused_as_every_reader_of_the_table_refuses_it() -> None:
    rows = [dict(road_table("city")[0]), {"road_id": "R-BAD", "speed_limit_kmh": 50.0}]
    with pytest.raises(RoadTableError, match=r"roads table lake/roads row 1 has no road_name"):
        roads_geojson(rows, "lake/roads")


def test_the_lake_roads_table_is_read_as_the_simulator_writes_it(tmp_path: Path) -> None:
    assert read_lake_roads(tmp_path) is None  # no table: the caller decides (scenario or none)
    write_reference("city", tmp_path)
    assert read_lake_roads(tmp_path) == road_table("city")
