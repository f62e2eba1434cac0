"""``vts.reports.build`` on real Spark over a simulated lake: tables, names, reruns."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from simulator.outputs.lake import LakeSpec, write_lake
from vts.catalog import get_catalog
from vts.catalog.crawler import crawl
from vts.query.analytics import sql_dir
from vts.query.runner import run_template
from vts.query.template import SqlTemplate
from vts.reports.build import BuildOptions, DayReport, build
from vts.reports.tables import TABLES, TRIPS

pytestmark = pytest.mark.integration

DAY = date(2024, 3, 5)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports-lake")
    # the evening before (for the lookback) and the morning of the day, one fix per 10 s
    write_lake(
        root,
        LakeSpec("city", 7, datetime(2024, 3, 4, 22, tzinfo=UTC), 3 * 3600, 12, 10),
        ("vehicle_data",),
        prefix="a",
    )
    write_lake(
        root,
        LakeSpec("city", 7, datetime(2024, 3, 5, 6, tzinfo=UTC), 3 * 3600, 12, 10),
        ("vehicle_data",),
        prefix="b",
    )
    return root


def _files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root)) for t in TABLES for p in (root / t.name).rglob("*") if p.is_file()
    )


@pytest.fixture(scope="module")
def built(spark: Any, lake: Path) -> DayReport:
    (report,) = build(spark, [DAY], BuildOptions(lake=str(lake)))
    return report


def test_a_day_builds_every_table_once_and_a_rerun_replaces_it(
    spark, lake: Path, built: DayReport
) -> None:  # type: ignore[no-untyped-def]
    options = BuildOptions(lake=str(lake))
    first = built
    files = _files(lake)
    assert files == sorted(f"{t.name}/dt={DAY}/{t.name}-{DAY}.parquet" for t in TABLES)
    assert first.vehicles == 12
    assert first.rows["report_daily_summary"] == 12
    assert first.rows[TRIPS.name] > 0 and first.rows["report_stops"] > 0
    trips = pq.read_table(lake / TRIPS.name / f"dt={DAY}").to_pylist()
    assert all(t["trip_end"].date() == DAY for t in trips)
    assert all(t["distance_km"] >= 0 and t["duration_s"] > 0 for t in trips)
    (again,) = build(spark, [DAY], options)
    assert _files(lake) == files
    assert again.rows == first.rows
    assert not list((lake / "_staging").rglob("*.parquet"))


def test_a_day_without_fixes_writes_empty_tables(spark: Any, lake: Path, tmp_path: Path) -> None:
    (report,) = build(spark, [date(2024, 3, 9)], BuildOptions(lake=str(lake), output=str(tmp_path)))
    assert set(report.rows.values()) == {0}
    table = pq.read_table(tmp_path / TRIPS.name / "dt=2024-03-09")
    assert table.num_rows == 0 and "trip_start" in table.column_names


def test_the_spectrum_queries_run_on_spark_sql_over_the_crawled_tables(
    spark, lake: Path, built: DayReport
) -> None:  # type: ignore[no-untyped-def]
    database = f"reports_{uuid.uuid4().hex[:8]}"
    crawl(lake, get_catalog("spark", spark=spark), database=database)
    try:

        def run(name: str, **params: str) -> list[dict[str, Any]]:
            template = SqlTemplate.from_file(sql_dir() / "reports" / f"{name}.sql")
            return list(run_template(spark, template, database=database, params=params).rows)

        summary = pq.read_table(lake / "report_daily_summary").to_pylist()
        fleet = run("fleet_day", day=str(DAY))
        assert sorted(r["vehicle_id"] for r in fleet) == sorted(r["vehicle_id"] for r in summary)
        trips = pq.read_table(lake / TRIPS.name).to_pylist()
        vehicle = trips[0]["vehicle_id"]
        mine = run("vehicle_trips", day=str(DAY), vehicle_id=vehicle)
        assert len(mine) == sum(t["vehicle_id"] == vehicle for t in trips)
        alerts = run("alerts_by_type", day=str(DAY))
        assert sum(r["alerts"] for r in alerts) == built.rows["report_alerts"]
        visits = run("geofence_dwell", day=str(DAY))
        assert sum(r["visits"] for r in visits) == built.rows["report_geofence_events"]
    finally:
        spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")


def test_the_lakes_geofences_table_is_used(lake: Path, built: DayReport) -> None:
    fences = {r["id"]: r for r in pq.read_table(lake / "geofences").to_pylist()}
    visits = pq.read_table(lake / "report_geofence_events").to_pylist()
    assert built.rows["report_geofence_events"] == len(visits) > 0
    assert {v["geofence_id"] for v in visits} <= set(fences)
    assert {fences[v["geofence_id"]]["kind"] for v in visits} & {"depot", "place"}


def test_a_users_geofence_file_is_used(spark: Any, lake: Path, tmp_path: Path) -> None:
    bare = tmp_path / "lake"  # the lake without its geofences table
    bare.mkdir()
    for table in ("vehicle_data", "roads"):
        (bare / table).symlink_to(lake / table, target_is_directory=True)
    ring = [[-0.30, 51.40], [0.05, 51.40], [0.05, 51.62], [-0.30, 51.62], [-0.30, 51.40]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "all", "name": "Everywhere", "kind": "city"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(doc))
    out = tmp_path / "out"
    options = BuildOptions(lake=str(bare), output=str(out), geofences=str(path))
    (report,) = build(spark, [DAY], options)
    visits = pq.read_table(out / "report_geofence_events").to_pylist()
    assert {v["geofence_id"] for v in visits} == {"all"}
    assert len({v["vehicle_id"] for v in visits}) == report.vehicles == 12
    stops = pq.read_table(out / "report_stops").to_pylist()
    assert stops and all(s["place"] == "Everywhere" for s in stops)


def test_vts_report_reads_a_built_day(
    lake: Path, built: DayReport, capsys: pytest.CaptureFixture[str]
) -> None:
    from vts.cli.main import main

    trips = pq.read_table(lake / TRIPS.name).to_pylist()
    vehicle = trips[0]["vehicle_id"]
    assert (
        main(
            [
                "report",
                "trips",
                "--vehicle",
                vehicle,
                "--day",
                str(DAY),
                "--lake",
                str(lake),
                "--format",
                "json",
            ]
        )
        == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert len(shown) == sum(t["vehicle_id"] == vehicle for t in trips)
    assert (
        main(["report", "summary", "--day", str(DAY), "--lake", str(lake), "--format", "csv"]) == 0
    )
    assert (
        len(capsys.readouterr().out.strip().splitlines()) == 1 + built.rows["report_daily_summary"]
    )
