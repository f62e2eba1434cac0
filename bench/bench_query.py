"""Latency of the ``sql/analytics`` on one simulated day of 1,000 vehicles, local Spark SQL.

The simulator's ``city`` scenario (480 road segments, 48 cameras, 6 weather stations) for
2024-03-01, 1,000 vehicles, written as the job writes the lake (hourly partitions) and
crawled into the local catalog. To keep the run in minutes on two cores the vehicles
report once a minute instead of the simulator's default once a second, so the day holds
1.44 M ``vehicle_data`` rows (plus ~73 k sightings, 8.6 k weather readings and ~1.3 k
incident events); ``gps_data`` is not written (no analytic reads it). Each analytic runs
twice on ``local[2]``: the first run includes Spark's planning and file listing, the
second is warm.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from bench.context import BenchContext

TOPICS = ("vehicle_data", "traffic_data", "weather_data", "emergency_data")


def run(ctx: BenchContext) -> dict[str, Any]:
    from simulator.outputs.lake import LakeSpec, write_lake
    from vts.catalog import get_catalog
    from vts.catalog.crawler import crawl
    from vts.query.analytics import list_analytics
    from vts.query.runner import run_template
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    vehicles = 100 if ctx.quick else 1_000
    spec = LakeSpec("city", 1, datetime(2024, 3, 1, tzinfo=UTC), 86_400, vehicles, 60)
    lake = ctx.workdir / "query-lake"
    t0 = time.perf_counter()
    rows = write_lake(lake, spec, TOPICS)
    write_s = time.perf_counter() - t0
    ctx.say(f"query: wrote {rows} in {write_s:.1f}s")

    spark = build_session(SparkSettings.local(LocalPaths(ctx.workdir / "spark"), kafka=False))
    t0 = time.perf_counter()
    report = crawl(lake, get_catalog("spark", spark=spark), database="bench_query")
    crawl_s = time.perf_counter() - t0

    latencies: dict[str, dict[str, float | int]] = {}
    for template in list_analytics():
        runs = []
        result = None
        for _ in range(2):
            result = run_template(spark, template, database="bench_query")
            runs.append(result.seconds)
        assert result is not None
        latencies[template.name] = {
            "first_s": round(runs[0], 2),
            "warm_s": round(runs[1], 2),
            "rows": len(result.rows),
        }
        ctx.say(f"query: {template.name} {runs[0]:.1f}s / {runs[1]:.1f}s warm")
    spark.sql("DROP DATABASE bench_query CASCADE")
    return {
        "scenario": spec.scenario,
        "vehicles": vehicles,
        "day": spec.start.date().isoformat(),
        "report_interval_s": spec.tick_seconds,
        "rows": rows,
        "partitions": report.totals["partitions_added"],
        "write_lake_s": round(write_s, 2),
        "crawl_s": round(crawl_s, 2),
        "analytics": latencies,
        "total_warm_s": round(sum(v["warm_s"] for v in latencies.values()), 2),
        "engine": "Spark SQL 3.5 local[2], tables from the local Hive metastore",
    }
