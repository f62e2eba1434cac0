"""Every analytic in ``sql/analytics`` against an independent pandas computation.

The dataset is fixed: the simulator's ``town`` scenario (seed 42), 12 vehicles reporting
once a minute, in two windows (a busy late afternoon, and two hours across midnight for the
per-day figures), written as the job writes the lake (``simulator.outputs.lake``), plus the
scenario's roads. Two edits exercise edge cases: one station's readings of one
hour are removed (fixes near it then have an 'Unknown' condition) and a tutorial-style
``'None'`` emergency report is added next to a vehicle (it is not an incident). The lake
is crawled into a fresh database on the real local Spark; pandas reads the same files.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from simulator.outputs.lake import (
    LakeSpec,
    contract_schema,
    with_partitions,
    write_lake,
    write_table,
)
from vts.catalog import get_catalog
from vts.catalog.crawler import crawl
from vts.geo import M_PER_DEG
from vts.query.analytics import resolve
from vts.query.runner import run_template
from vts.reference.roadmatch import RoadIndex

pytestmark = pytest.mark.integration

VEHICLES = 12
WINDOWS = (
    LakeSpec("town", 42, datetime(2024, 6, 1, 16, tzinfo=UTC), 2 * 3600, VEHICLES, 60),
    LakeSpec("town", 42, datetime(2024, 6, 1, 23, tzinfo=UTC), 2 * 3600, VEHICLES, 60),
)
EARTH_KM = 6371.0088
DROPPED_STATION, DROPPED_HOUR = "WX-000", datetime(2024, 6, 1, 17, tzinfo=UTC)


@dataclass(frozen=True)
class Lake:
    spark: Any
    database: str
    frames: dict[str, pd.DataFrame]

    def run(self, name: str, **params: str) -> list[dict[str, Any]]:
        result = run_template(self.spark, resolve(name), database=self.database, params=params)
        return list(result.rows)


def _edit(lake: Path) -> None:
    weather = ds.dataset(lake / "weather_data", partitioning="hive").to_table().to_pandas()
    drop = (weather.station_id == DROPPED_STATION) & (weather.ts.dt.floor("h") == DROPPED_HOUR)
    assert drop.sum() > 0
    for old in (lake / "weather_data").glob("dt=*/hr=*/*.parquet"):
        old.unlink()
    kept = pa.Table.from_pandas(weather[~drop].drop(columns=["dt", "hr"]), preserve_index=False)
    write_table(with_partitions(kept.cast(contract_schema("weather_data"))), lake / "weather_data")

    vehicle = pq.read_table(next((lake / "vehicle_data").glob("dt=*/hr=*/*.parquet")))
    first = vehicle.slice(0, 1).to_pylist()[0]
    none_report = {
        "event_id": str(uuid.UUID(int=1)),
        "ts": datetime(2024, 6, 2, 0, 30, tzinfo=UTC),
        "schema_version": 0,
        "incident_id": str(uuid.UUID(int=2)),
        "incident_type": "None",
        "severity": None,
        "status": "Active",
        "latitude": first["latitude"],
        "longitude": first["longitude"],
        "description": "tutorial no-incident report",
        "vehicle_id": first["vehicle_id"],
    }
    table = pa.Table.from_pylist([none_report], schema=contract_schema("emergency_data"))
    folder = lake / "emergency_data" / "dt=2024-06-02" / "hr=00"
    pq.write_table(table, folder / "tutorial-none.parquet")


@pytest.fixture(scope="module")
def lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    root = tmp_path_factory.mktemp("analytics") / "lake"
    for i, window in enumerate(WINDOWS):
        write_lake(root, window, prefix=f"window{i}")
    _edit(root)
    database = f"sql_{uuid.uuid4().hex[:10]}"
    report = crawl(root, get_catalog("spark", spark=spark), database=database)
    assert report.skipped == () and len(report.tables) == 7  # 5 topics, roads, geofences
    frames = {
        name: ds.dataset(root / name, partitioning="hive").to_table().to_pandas()
        for name in ("vehicle_data", "traffic_data", "weather_data", "emergency_data")
    }
    frames["roads"] = pq.read_table(root / "roads").to_pandas()
    yield Lake(spark, database, frames)
    spark.sql(f"DROP DATABASE {database} CASCADE")


def _value(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


def assert_rows(actual: Sequence[dict[str, Any]], expected: pd.DataFrame) -> None:
    """Same rows in the same order; floats equal to 1e-9 (relative) or 1e-9 (absolute)."""
    wanted = [{k: _value(v) for k, v in row.items()} for row in expected.to_dict("records")]
    assert len(actual) == len(wanted)
    if wanted:
        assert list(actual[0]) == list(wanted[0])  # the same columns in the same order
    for got, want in zip(actual, wanted, strict=True):
        for key, value in want.items():
            if isinstance(value, float) and not math.isnan(value):
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), (key, got, want)
            elif isinstance(value, float):
                assert got[key] is None, (key, got, want)
            else:
                assert got[key] == value, (key, got, want)


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(a))


def latest_positions(v: pd.DataFrame) -> pd.DataFrame:
    ordered = v.sort_values(["vehicle_id", "ts", "event_id"])
    return ordered.groupby("vehicle_id").tail(1).sort_values("vehicle_id")


def test_latest_position(lake: Lake) -> None:
    want = latest_positions(lake.frames["vehicle_data"])
    cols = ["vehicle_id", "ts", "latitude", "longitude", "speed_kmh", "heading_deg"]
    assert len(want) == VEHICLES
    assert_rows(lake.run("latest_position"), want[cols])


def test_distance_per_vehicle_day(lake: Lake) -> None:
    v = lake.frames["vehicle_data"].copy()
    v["event_date"] = v.ts.dt.date
    v = v.sort_values(["vehicle_id", "event_date", "ts", "event_id"])
    group = v.groupby(["vehicle_id", "event_date"])
    prev_lat, prev_lon = group.latitude.shift(), group.longitude.shift()
    v["hop"] = haversine_km(prev_lat, prev_lon, v.latitude, v.longitude).fillna(0.0)
    want = (
        v.groupby(["vehicle_id", "event_date"])
        .agg(
            fixes=("ts", "size"),
            distance_km=("hop", "sum"),
            avg_speed_kmh=("speed_kmh", "mean"),
            max_speed_kmh=("speed_kmh", "max"),
            first=("ts", "min"),
            last=("ts", "max"),
        )
        .reset_index()
    )
    want["active_hours"] = (want["last"] - want["first"]).dt.total_seconds() / 3600
    want = want.drop(columns=["first", "last"])
    assert len(want) == 2 * VEHICLES  # a window crosses midnight
    assert want.distance_km.gt(0).any()
    assert_rows(lake.run("distance_per_vehicle_day"), want)


def _distance_m(v: pd.DataFrame, roads: pd.DataFrame, seg: np.ndarray) -> np.ndarray:
    """Distance (m) from each fix to its segment, on a flat projection at the segment's
    start (written independently of the rule's numpy)."""
    at = np.maximum(seg, 0)
    a_lat, a_lon = roads.start_lat.to_numpy()[at], roads.start_lon.to_numpy()[at]
    b_lat, b_lon = roads.end_lat.to_numpy()[at], roads.end_lon.to_numpy()[at]
    k = np.cos(np.radians(a_lat)) * M_PER_DEG
    px, py = (v.longitude.to_numpy() - a_lon) * k, (v.latitude.to_numpy() - a_lat) * M_PER_DEG
    dx, dy = (b_lon - a_lon) * k, (b_lat - a_lat) * M_PER_DEG
    t = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.asarray(np.hypot(px - t * dx, py - t * dy))


# -1000: every fix on a road is a row, so the SQL's road is compared for every fix
@pytest.mark.parametrize(("tolerance", "max_distance"), [("0", "30"), ("5", "10"), ("-1000", "30")])
def test_speeding_events(lake: Lake, tolerance: str, max_distance: str) -> None:
    """The SQL names the road ``vts.reference.roadmatch`` names (the one rule, which
    ``tests/reference/test_roadmatch.py`` checks at junction ties and without headings)."""
    v, roads = lake.frames["vehicle_data"], lake.frames["roads"]
    index = RoadIndex.build(roads.to_dict("records"), float(max_distance))
    seg = index.match(v.latitude.to_numpy(), v.longitude.to_numpy(), v.heading_deg.to_numpy())
    limits = roads.speed_limit_kmh.to_numpy()[np.maximum(seg, 0)]
    out = v.assign(
        road_id=roads.road_id.to_numpy()[np.maximum(seg, 0)],
        road_name=roads.road_name.to_numpy()[np.maximum(seg, 0)],
        speed_limit_kmh=limits,
        distance_m=_distance_m(v, roads, seg),
    )
    out = out[(seg >= 0) & (out.speed_kmh > out.speed_limit_kmh + float(tolerance))]
    out = out.assign(excess_kmh=out.speed_kmh - out.speed_limit_kmh)
    cols = ["vehicle_id", "ts", "road_id", "road_name", "speed_limit_kmh", "speed_kmh"]
    want = out.sort_values(["vehicle_id", "ts"])[[*cols, "excess_kmh", "distance_m"]]
    assert len(want) > 0
    params = {"tolerance_kmh": tolerance, "max_distance_m": max_distance}
    assert_rows(lake.run("speeding_events", **params), want)


@pytest.mark.parametrize("radius", ["0.5", "1.0"])
def test_vehicles_near_incidents(lake: Lake, radius: str) -> None:
    e = lake.frames["emergency_data"].sort_values(["incident_id", "ts", "event_id"])
    latest = e.groupby("incident_id").tail(1)
    active = latest[(latest.status != "Resolved") & (latest.incident_type != "None")]
    positions = latest_positions(lake.frames["vehicle_data"])[
        ["vehicle_id", "ts", "latitude", "longitude"]
    ].rename(columns={"ts": "position_ts", "latitude": "v_lat", "longitude": "v_lon"})
    pairs = (
        active.drop(columns=["vehicle_id"])
        .rename(columns={"ts": "incident_ts"})
        .merge(positions, how="cross")
    )
    pairs["distance_km"] = haversine_km(pairs.latitude, pairs.longitude, pairs.v_lat, pairs.v_lon)
    near = pairs[pairs.distance_km <= float(radius)].sort_values(
        ["incident_id", "distance_km", "vehicle_id"]
    )
    cols = ["incident_id", "incident_type", "severity", "status", "incident_ts"]
    want = near[[*cols, "vehicle_id", "position_ts", "distance_km"]]
    assert len(want) > 0
    assert "None" not in set(want.incident_type)
    assert_rows(lake.run("vehicles_near_incidents", radius_km=radius), want)


def test_speed_by_weather(lake: Lake) -> None:
    w, v = lake.frames["weather_data"], lake.frames["vehicle_data"].copy()
    stations = w.groupby("station_id")[["latitude", "longitude"]].max().sort_index()
    w = w.assign(event_hour=w.ts.dt.floor("h")).sort_values(["station_id", "ts", "event_id"])
    hourly = w.groupby(["station_id", "event_hour"]).tail(1)[
        ["station_id", "event_hour", "condition"]
    ]
    km = haversine_km(
        v.latitude.to_numpy()[:, None],
        v.longitude.to_numpy()[:, None],
        stations.latitude.to_numpy()[None, :],
        stations.longitude.to_numpy()[None, :],
    )
    v["station_id"] = stations.index.to_numpy()[np.argmin(km, axis=1)]
    v["event_hour"] = v.ts.dt.floor("h")
    joined = v.merge(hourly, on=["station_id", "event_hour"], how="left")
    joined["condition"] = joined.condition.fillna("Unknown")
    want = (
        joined.groupby("condition")
        .agg(
            fixes=("event_id", "size"),
            vehicles=("vehicle_id", "nunique"),
            avg_speed_kmh=("speed_kmh", "mean"),
            max_speed_kmh=("speed_kmh", "max"),
        )
        .reset_index()
        .sort_values("condition")
    )
    assert "Unknown" in set(want.condition) and len(want) >= 2
    assert_rows(lake.run("speed_by_weather"), want)


def test_camera_sightings_per_hour(lake: Lake) -> None:
    t = lake.frames["traffic_data"].copy()
    t["event_hour"] = t.ts.dt.floor("h")
    want = (
        t.groupby(["camera_id", "event_hour"])
        .agg(
            sightings=("event_id", "size"),
            vehicles=("vehicle_id", "nunique"),
            avg_speed_kmh=("measured_speed_kmh", "mean"),
        )
        .reset_index()
        .sort_values(["event_hour", "camera_id"])
    )
    want = want[["camera_id", "event_hour", "sightings", "vehicles", "avg_speed_kmh"]]
    assert len(want) > 3
    assert_rows(lake.run("camera_sightings_per_hour"), want)
