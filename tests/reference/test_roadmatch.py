"""The one road rule (``vts.reference.roadmatch``), and every consumer naming the same road.

A crossing of four segments (two east-west, two north-south, meeting at one point) and
two parallel segments 1 m apart; fixes exactly at the junction (a tie in distance: 0 m to
all four) with headings along each road, diagonal and missing, a fix halfway between the
parallels (a tie in distance and in heading), and one off every road. The SQL
(``speeding_events.sql`` on the real local Spark), the reports' overspeed alerts and
the live alerts (through the live consumer on a real redis-server) must name the road
the rule's statement says, for every fix.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from simulator.outputs.lake import contract_schema, with_partitions, write_table
from tests.live.messages import event, fix
from vts.catalog import get_catalog
from vts.catalog.crawler import crawl
from vts.geo import M_PER_DEG
from vts.live.alerts import LiveAlerts
from vts.live.api import handle
from vts.live.consumer import LiveConsumer
from vts.query.analytics import analytics_dir, resolve
from vts.query.runner import run_template
from vts.reference.roadmatch import RoadIndex, render_into
from vts.reference.roads import write_roads
from vts.rules.driving import overspeed
from vts.rules.fold import RuleContext
from vts.rules.params import DEFAULT_PARAMS
from vts.rules.track import Track

LAT, LON = 51.5, -0.12
D = 0.002  # about 220 m north-south, 140 m east-west
NAN = float("nan")
# half a metre north of the parallels' midline... exactly between them
PAR_LAT = LAT + 0.001
GAP = 1.0 / M_PER_DEG  # 1 m in latitude


def _road(road_id: str, a: tuple[float, float], b: tuple[float, float]) -> dict[str, Any]:
    return {
        "road_id": road_id,
        "road_name": road_id,
        "road_class": "arterial",
        "speed_limit_kmh": 30.0 + int(road_id[-1]),
        "length_m": 100.0,
        "start_lat": a[0],
        "start_lon": a[1],
        "end_lat": b[0],
        "end_lon": b[1],
        "min_lat": min(a[0], b[0]),
        "min_lon": min(a[1], b[1]),
        "max_lat": max(a[0], b[0]),
        "max_lon": max(a[1], b[1]),
    }


ROADS = [
    _road("R-0003", (LAT, LON), (LAT, LON + D)),  # from the junction east
    _road("R-0001", (LAT, LON - D), (LAT, LON)),  # from the west to the junction
    _road("R-0002", (LAT, LON), (LAT + D, LON)),  # from the junction north
    _road("R-0004", (LAT - D, LON), (LAT, LON)),  # from the south to the junction
    _road("R-0006", (PAR_LAT + GAP / 2, LON + 0.01), (PAR_LAT + GAP / 2, LON + 0.02)),
    _road("R-0005", (PAR_LAT - GAP / 2, LON + 0.01), (PAR_LAT - GAP / 2, LON + 0.02)),
]
# (lat, lon, heading, the road the rule's statement names)
CASES = [
    (LAT, LON, NAN, "R-0001"),  # a tie everywhere: the smallest id (not "north": R-0002)
    (LAT, LON, 0.0, "R-0002"),  # along R-0002 and R-0004: the smaller id
    (LAT, LON, 180.0, "R-0002"),
    (LAT, LON, 90.0, "R-0001"),  # along R-0001 and R-0003
    (LAT, LON, 270.0, "R-0001"),
    (LAT, LON, 45.0, "R-0001"),  # as misaligned with all four
    (LAT, LON, 10.0, "R-0002"),
    (LAT, LON, 80.0, "R-0001"),
    (LAT + 1e-6, LON, NAN, "R-0002"),  # 0.11 m north: on R-0002 (0 m), not at the others
    (LAT + 2e-7, LON + 2e-7, NAN, "R-0001"),  # 2 cm: all within the same decimetre
    (PAR_LAT, LON + 0.015, NAN, "R-0005"),  # halfway between the parallels
    (PAR_LAT, LON + 0.015, 90.0, "R-0005"),
    (PAR_LAT, LON + 0.015, 0.0, "R-0005"),
    (LAT + 0.0015, LON + 0.0015, 90.0, None),  # 100 m from every road
]
START = datetime(2024, 6, 1, 12, tzinfo=UTC)


def _index() -> RoadIndex:
    return RoadIndex.build(ROADS, DEFAULT_PARAMS.road_max_distance_m)


def _case_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lat, lon, heading, _ = (np.array(c, dtype=object) for c in zip(*CASES, strict=True))
    return lat.astype(float), lon.astype(float), heading.astype(float)


def test_speeding_events_sql_is_generated_from_the_rule() -> None:
    sql = (analytics_dir() / "speeding_events.sql").read_text(encoding="utf-8")
    assert render_into(sql) == sql, "run: python -m vts.reference.roadmatch " + str(
        analytics_dir() / "speeding_events.sql"
    )


def test_the_rule_names_the_road_its_statement_says() -> None:
    assert _index().road_ids(*_case_arrays()) == [c[3] for c in CASES]


def _reports_road(index: RoadIndex, lat: float, lon: float, heading: float) -> str | None:
    """The road the reports' overspeed alert names, for a vehicle speeding on one spot."""
    n = 4
    t = START.timestamp() + 10.0 * np.arange(n)
    full = np.full(n, 1.0)
    track = Track(
        "V",
        t,
        full * lat,
        full * lon,
        full * 200.0,
        full * heading,
        full * NAN,
        full * NAN,
        full * NAN,
    )
    found = overspeed(track, {}, index, DEFAULT_PARAMS)
    assert len(found) <= 1
    return found[0].road_id if found else None


def test_the_reports_name_the_same_road() -> None:
    index = _index()
    got = [_reports_road(index, lat, lon, h) for lat, lon, h, _ in CASES]
    assert got == [c[3] for c in CASES]


@pytest.fixture(scope="module")
def junction_lake(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("junction") / "lake"
    write_roads(ROADS, root / "roads" / "roads.parquet")
    rows = [
        {
            "event_id": str(uuid.UUID(int=i + 1)),
            "ts": START,
            "schema_version": 1,
            "vehicle_id": f"V-{i:03d}",
            "latitude": lat,
            "longitude": lon,
            "speed_kmh": 200.0,
            "heading_deg": None if np.isnan(h) else h,
            "odometer_km": None,
            "fuel_level_pct": None,
            "make": None,
            "model": None,
            "year": None,
            "fuel_type": None,
            "vehicle_type": None,
        }
        for i, (lat, lon, h, _) in enumerate(CASES)
    ]
    table = pa.Table.from_pylist(rows, schema=contract_schema("vehicle_data"))
    write_table(with_partitions(table), root / "vehicle_data")
    database = f"roads_{uuid.uuid4().hex[:10]}"
    crawl(root, get_catalog("spark", spark=spark), database=database)
    yield database
    spark.sql(f"DROP DATABASE {database} CASCADE")


@pytest.mark.integration
def test_the_sql_names_the_same_road(spark: Any, junction_lake: str) -> None:
    result = run_template(
        spark, resolve("speeding_events"), database=junction_lake, params={"tolerance_kmh": "-1000"}
    )
    got = {r["vehicle_id"]: r["road_id"] for r in result.rows}
    want = {f"V-{i:03d}": c[3] for i, c in enumerate(CASES) if c[3] is not None}
    assert got == want


@pytest.mark.integration
def test_the_live_alerts_name_the_same_road(live_store: Any) -> None:
    store = live_store(silence_s=10 * 365 * 86400.0)
    consumer = LiveConsumer(store, alerts=LiveAlerts(store, RuleContext(DEFAULT_PARAMS, _index())))
    for k in range(4):  # each case's vehicle speeding on its spot, a fix every 10 s
        ts = START + timedelta(seconds=10 * k)
        consumer.handle(
            event(
                fix(f"V-{i:03d}", ts, lat, lon, speed=200.0, heading_deg=None if np.isnan(h) else h)
                for i, (lat, lon, h, _) in enumerate(CASES)
            )
        )
    alerts = json.loads(handle("GET", "/alerts", "", store=store)[1])["alerts"]
    got = {a["vehicle_id"]: a["road_id"] for a in alerts if a["alert"] == "overspeed"}
    assert got == {f"V-{i:03d}": c[3] for i, c in enumerate(CASES) if c[3] is not None}
