"""``vts.reports.build`` on real Spark over a simulated lake: tables, names, reruns."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.sql.lakegen import LakeSpec, write_lake
from vts.reports.build import BuildOptions, build
from vts.reports.tables import TABLES, TRIPS

pytestmark = pytest.mark.integration

DAY = date(2024, 3, 5)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports-lake")
    # the evening before (for the lookback) and the morning of the day, one fix per 10 s
    write_lake(root, LakeSpec("city", 7, datetime(2024, 3, 4, 22, tzinfo=UTC), 3 * 3600, 12, 10),
               ("vehicle_data",), prefix="a")  # fmt: skip
    write_lake(root, LakeSpec("city", 7, datetime(2024, 3, 5, 6, tzinfo=UTC), 3 * 3600, 12, 10),
               ("vehicle_data",), prefix="b")  # fmt: skip
    return root


def _files(root: Path) -> list[str]:
    return sorted(
        str(p.relative_to(root)) for t in TABLES for p in (root / t.name).rglob("*") if p.is_file()
    )


def test_a_day_builds_every_table_once_and_a_rerun_replaces_it(spark, lake: Path) -> None:  # type: ignore[no-untyped-def]
    options = BuildOptions(lake=str(lake))
    (first,) = build(spark, [DAY], options)
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


def test_a_day_without_fixes_writes_empty_tables(spark, lake: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (report,) = build(spark, [date(2024, 3, 9)], BuildOptions(lake=str(lake), output=str(tmp_path)))
    assert set(report.rows.values()) == {0}
    table = pq.read_table(tmp_path / TRIPS.name / "dt=2024-03-09")
    assert table.num_rows == 0 and "trip_start" in table.column_names
