"""Crawl time for 1,000 partitions into the local catalog (Spark's Hive metastore).

A ``vehicle_data`` table of 1,000 hourly partitions (one Parquet file of 200 rows each,
written with pyarrow), crawled three times on local Spark: the first crawl (list, read
1,000 footers, create the table, register 1,000 partitions), a re-crawl with nothing new
(list and compare with the catalog's partitions), and an incremental crawl after a day of
24 new partitions arrives.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bench.context import BenchContext

START = datetime(2024, 1, 1, tzinfo=UTC)
ROWS = 200


def _write_hours(lake: Path, first: int, count: int) -> None:
    for i in range(first, first + count):
        hour = START + timedelta(hours=i)
        ts = [hour + timedelta(seconds=18 * r) for r in range(ROWS)]
        table = pa.table(
            {
                "event_id": pa.array([f"{i}-{r}" for r in range(ROWS)]),
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "vehicle_id": pa.array([f"VEH-{r % 50:06d}" for r in range(ROWS)]),
                "speed_kmh": pa.array([float(r % 90) for r in range(ROWS)]),
            }
        )
        folder = lake / "vehicle_data" / f"dt={hour:%Y-%m-%d}" / f"hr={hour:%H}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet")


def run(ctx: BenchContext) -> dict[str, Any]:
    from vts.catalog import get_catalog
    from vts.catalog.crawler import crawl
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    partitions = 200 if ctx.quick else 1_000
    lake = ctx.workdir / "crawl-lake"
    started = time.perf_counter()
    _write_hours(lake, 0, partitions)
    write_s = time.perf_counter() - started

    t0 = time.perf_counter()
    spark = build_session(SparkSettings.local(LocalPaths(ctx.workdir / "spark"), kafka=False))
    catalog = get_catalog("spark", spark=spark)
    catalog.ensure_database("bench_crawl")
    spark_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    first = crawl(lake, catalog, database="bench_crawl")
    crawl_s = time.perf_counter() - t0
    assert first.totals["partitions_added"] == partitions, first.totals

    t0 = time.perf_counter()
    noop = crawl(lake, catalog, database="bench_crawl")
    noop_s = time.perf_counter() - t0
    assert noop.totals["partitions_added"] == 0, noop.totals

    _write_hours(lake, partitions, 24)
    t0 = time.perf_counter()
    more = crawl(lake, catalog, database="bench_crawl")
    incremental_s = time.perf_counter() - t0
    assert more.totals["partitions_added"] == 24, more.totals
    spark.sql("DROP DATABASE bench_crawl CASCADE")

    ctx.say(
        f"crawl: {partitions} partitions in {crawl_s:.1f}s "
        f"({partitions / crawl_s:,.0f}/s), re-crawl {noop_s:.1f}s, +24 in {incremental_s:.1f}s"
    )
    return {
        "partitions": partitions,
        "files": partitions,
        "rows_per_file": ROWS,
        "first_crawl_s": round(crawl_s, 2),
        "partitions_per_s": round(partitions / crawl_s, 1),
        "recrawl_nothing_new_s": round(noop_s, 2),
        "incremental_24_partitions_s": round(incremental_s, 2),
        "write_lake_s": round(write_s, 2),
        "spark_start_s": round(spark_s, 2),
        "catalog": "spark (local Hive metastore, embedded Derby)",
    }
