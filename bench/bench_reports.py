"""Fleet reports: building one simulated day, and one vehicle's trips read vs computed.

The simulator's ``city`` scenario, 1,000 vehicles reporting ``vehicle_data`` once every
10 s, for 2024-03-05 and the 12 h before it (the build's lookback), written as the job
writes the lake (hourly partitions, plus the ``roads`` table). ``vts.reports.build``
builds every report table for the day on ``local[2]`` (target: at most 5 min).

Then one vehicle's trips for the day, on the same Spark: read from the ``report_trips``
table (one small file, filtered on ``vehicle_id``) versus computed from its raw fixes
(the day's ``vehicle_data`` with lookback, filtered on the vehicle, through the same
kernels). Each is run three times; the medians and their ratio are reported.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.context import BenchContext

DAY = date(2024, 3, 5)
TICK_S = 10.0


def _median_s(fn: Any, runs: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run(ctx: BenchContext) -> dict[str, Any]:
    from pyspark.sql import functions as F

    from simulator.outputs.lake import LakeSpec, write_lake
    from vts.catalog.spark_sql import collect
    from vts.reports.build import BuildOptions, build, load_fences, load_roads
    from vts.reports.spark import day_fixes, report_rows, table_frame
    from vts.reports.tables import TRIPS
    from vts.reports.vehicle import Context, Window
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session
    from vts.stream.layout import join

    vehicles = 100 if ctx.quick else 1_000
    lake = ctx.workdir / "reports-lake"
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) - timedelta(hours=12)
    rows = 0
    t0 = time.perf_counter()
    for hour in range(36):  # an hour at a time keeps the simulator's memory small
        spec = LakeSpec("city", 1, start + timedelta(hours=hour), 3600, vehicles, TICK_S)
        rows += write_lake(lake, spec, ("vehicle_data",), prefix=f"h{hour:02d}")["vehicle_data"]
    write_s = time.perf_counter() - t0
    ctx.say(f"reports: wrote {rows:,} vehicle_data rows in {write_s:.0f}s")

    spark = build_session(
        SparkSettings.local(LocalPaths(ctx.workdir / "spark"), kafka=False, hive=False)
    )
    options = BuildOptions(lake=str(lake))
    t0 = time.perf_counter()
    (report,) = build(spark, [DAY], options)
    build_s = time.perf_counter() - t0
    ctx.say(f"reports: built {report.rows} in {build_s:.0f}s")

    vehicle = "VEH-000001"
    trips_path = join(str(lake), TRIPS.name, f"dt={DAY}")

    def from_table() -> list[Any]:
        return collect(spark.read.parquet(trips_path).where(F.col("vehicle_id") == vehicle))

    midnight = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC).timestamp()
    kernel_ctx = Context(
        Window(midnight, midnight + 86400, time.time()),
        options.params,
        load_roads(spark, str(lake), options.params.road_max_distance_m),
        load_fences(spark, options),
    )

    def from_fixes() -> list[Any]:
        fixes = day_fixes(spark, join(str(lake), "vehicle_data"), DAY, options.params.lookback_s)
        one = fixes.where(F.col("vehicle_id") == vehicle)
        return collect(table_frame(report_rows(one, kernel_ctx), TRIPS))

    table_s, read = _median_s(from_table)
    raw_s, computed = _median_s(from_fixes)
    assert len(read) == len(computed), (len(read), len(computed))
    ctx.say(f"reports: {vehicle}'s trips {table_s:.2f}s from the table, {raw_s:.2f}s from fixes")
    return {
        "scenario": "city",
        "vehicles": vehicles,
        "day": DAY.isoformat(),
        "report_interval_s": TICK_S,
        "vehicle_data_rows": rows,
        "write_lake_s": round(write_s, 1),
        "build_day_s": round(build_s, 1),
        "build_target_s": 300,
        "report_rows": report.rows,
        "one_vehicle_trips": {
            "vehicle": vehicle,
            "trips": len(read),
            "from_report_table_s": round(table_s, 3),
            "from_raw_fixes_s": round(raw_s, 3),
            "ratio_raw_over_table": round(raw_s / table_s, 1),
        },
        "engine": "PySpark 3.5 local[2]; kernels per vehicle in applyInPandas",
    }
