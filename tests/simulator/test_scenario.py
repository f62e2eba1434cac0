"""Scenarios: a deterministic road network with speed limits, exported as vts's roads table."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from simulator.exceptions import UnknownScenarioError
from simulator.model.scenario import SCENARIOS, load
from simulator.outputs.reference import road_table
from vts.geo import haversine_m
from vts.reference.exceptions import ReferenceDataError
from vts.reference.roads import ROAD_CLASSES, ROAD_COLUMNS, write_roads


def test_road_table_rows() -> None:
    rows = road_table("city")
    spec = SCENARIOS["city"]
    assert len(rows) == spec.rows * (spec.cols - 1) + (spec.rows - 1) * spec.cols
    assert all(list(r) == list(ROAD_COLUMNS) for r in rows)
    assert len({r["road_id"] for r in rows}) == len(rows)
    limits = {r["speed_limit_kmh"] for r in rows}
    assert {20.0, 30.0, 50.0, 60.0, 80.0} <= limits
    assert {r["road_class"] for r in rows} == set(ROAD_CLASSES)
    for r in rows:
        assert r["min_lat"] <= min(r["start_lat"], r["end_lat"]) + 1e-9
        assert r["max_lon"] >= max(r["start_lon"], r["end_lon"]) - 1e-9
        length = haversine_m(r["start_lat"], r["start_lon"], r["end_lat"], r["end_lon"])
        assert abs(length - r["length_m"]) < 0.5 and 200 < r["length_m"] < 700


def test_the_network_depends_on_the_name_only() -> None:
    assert road_table("city") == road_table(load("city"))
    assert road_table("town") != road_table("city")[: len(road_table("town"))]


def test_cameras_stand_on_roads() -> None:
    sc = load("city")
    a = sc.edge_from[sc.camera_edge]
    along = haversine_m(sc.node_lat[a], sc.node_lon[a], sc.camera_lat, sc.camera_lon)
    assert np.allclose(along / sc.edge_length_m[sc.camera_edge], sc.camera_fraction, atol=1e-3)
    assert len(set(sc.camera_id.tolist())) == SCENARIOS["city"].cameras


def test_write_csv_and_parquet(tmp_path: Path) -> None:
    rows = road_table("town")
    with write_roads(rows, tmp_path / "roads.csv").open() as fh:
        read = list(csv.DictReader(fh))
    assert [r["road_id"] for r in read] == [r["road_id"] for r in rows]
    assert float(read[3]["speed_limit_kmh"]) == rows[3]["speed_limit_kmh"]
    pq = pytest.importorskip("pyarrow.parquet")
    table = pq.read_table(write_roads(rows, tmp_path / "ref" / "roads.parquet"))
    assert table.column_names == list(ROAD_COLUMNS) and table.to_pylist() == rows
    with pytest.raises(ReferenceDataError, match="roads.txt") as caught:
        write_roads(rows, tmp_path / "roads.txt")
    assert "*.parquet" in str(caught.value)


def test_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(UnknownScenarioError) as info:
        load("metropolis")
    assert "city" in str(info.value)
