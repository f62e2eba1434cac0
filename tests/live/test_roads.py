"""The roads table as the live map's GeoJSON: the lake's rows, drawn segment by segment."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import road_table, write_road_table
from vts.exceptions import ConfigError
from vts.live.roads import read_lake_roads, roads_geojson


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


def test_a_row_without_an_end_point_is_an_error_that_names_the_row_and_field() -> None:
    rows = [dict(road_table("city")[0]), {"road_id": "R-BAD", "speed_limit_kmh": 50.0}]
    with pytest.raises(ConfigError, match=r"row 1 \(R-BAD\) has no start_lat, start_lon"):
        roads_geojson(rows)


def test_the_lake_roads_table_is_read_as_the_demo_writes_it(tmp_path: Path) -> None:
    assert read_lake_roads(tmp_path) is None  # no table: the caller decides (scenario or none)
    write_road_table("city", tmp_path / "roads" / "roads.parquet")
    assert read_lake_roads(tmp_path) == road_table("city")
