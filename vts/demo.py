"""``make demo``: the whole pipeline on one machine, step by step, with a summary.

local Kafka up -> simulate a fleet (``demo_span``: the simulated city's busy hours, so the
fleet is moving whatever the hour the demo runs) -> the Glue job on local PySpark (available-now) ->
build the fleet reports (``vts.reports``) -> crawl the lake into the local catalog -> run
the ``sql/analytics`` queries -> Kafka down.

The demo keeps its state in its own home (``$VTS_HOME/demo``), wiped at the start, so it
can be run again and never touches a lake of yours. Everything runs in one process with
one SparkSession, because the embedded Derby metastore admits one process at a time.
Each step prints its own lines once (the library's INFO logs are the CLI's ``-v``).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
from vts.settings import LocalPaths, vts_home

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

DATABASE = "vts"
# When the simulated city's fleet is busiest (UTC): shifts have begun and few have ended.
# Measured over a week (tests/test_demo.py): at least 90 % of the vehicles drive in any
# 30 minutes of it; at 01:00 fewer than 10 % do.
BUSY_UTC = (clock(9, 30), clock(12, 30))


@dataclass(frozen=True)
class Span:
    """The simulated span: ``start`` to ``end`` (UTC), and why it is that one."""

    start: datetime
    end: datetime
    reason: str

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M} UTC ({self.reason})"


def demo_span(minutes: float, now: datetime) -> Span:
    """The ``minutes`` before ``now`` when they fall in the busy hours (``BUSY_UTC``);
    otherwise the last ``minutes`` of the most recent busy hours, so the fleet moves."""
    length = timedelta(minutes=minutes)
    now = now.astimezone(UTC).replace(second=0, microsecond=0)
    opens = datetime.combine(now.date(), BUSY_UTC[0], UTC)
    closes = datetime.combine(now.date(), BUSY_UTC[1], UTC)
    if opens + length <= now <= closes:
        return Span(now - length, now, "the minutes before now")
    end = closes if now > closes else closes - timedelta(days=1)
    busy = f"{BUSY_UTC[0]:%H:%M}-{BUSY_UTC[1]:%H:%M} UTC"
    return Span(end - length, end, f"the fleet's busy hours, {busy}, most recently")


@dataclass(frozen=True)
class DemoOptions:
    vehicles: int = 200
    minutes: float = 30.0
    tick_seconds: float = 10.0  # one fix per vehicle every 10 s keeps the demo quick
    seed: int = 42
    scenario: str = "city"
    partitions: int = 3
    query_rows: int = 5
    keep_kafka: bool = False
    home: Path | None = None

    @property
    def paths(self) -> LocalPaths:
        return LocalPaths(self.home or vts_home() / "demo")


@dataclass
class DemoSummary:
    """What the demo did, per step and per table."""

    home: str = ""
    bootstrap: str = ""
    steps: dict[str, float] = field(default_factory=dict)
    span: str = ""
    produced: dict[str, int] = field(default_factory=dict)
    lake: dict[str, dict[str, int]] = field(default_factory=dict)
    job: dict[str, Any] = field(default_factory=dict)
    crawl: dict[str, int] = field(default_factory=dict)
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    driving: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "home": self.home,
            "bootstrap": self.bootstrap,
            "span": self.span,
            "steps_s": {k: round(v, 2) for k, v in self.steps.items()},
            "produced": self.produced,
            "lake": self.lake,
            "job": self.job,
            "crawl": self.crawl,
            "queries": self.queries,
            "reports": self.reports,
            "driving": self.driving,
        }


Say = Callable[[str], None]


@contextmanager
def _step(summary: DemoSummary, name: str, say: Say) -> Iterator[None]:
    say(f"==> {name}")
    started = time.monotonic()
    yield
    summary.steps[name] = time.monotonic() - started
    say(f"    ({summary.steps[name]:.1f}s)")


def run_demo(options: DemoOptions, say: Say = print, now: datetime | None = None) -> DemoSummary:
    """Run every step; Kafka is stopped at the end (unless ``keep_kafka``), even on errors."""
    from vts.local.kafka_broker import LocalKafka
    from vts.local.kafka_state import BrokerOptions

    paths = options.paths
    if paths.home.exists():
        shutil.rmtree(paths.home)
    paths.home.mkdir(parents=True)
    summary = DemoSummary(home=str(paths.home))
    kafka = LocalKafka(paths.home)
    try:
        with _step(summary, "kafka up", say):
            status = kafka.up(BrokerOptions(partitions=options.partitions), report=say)
            summary.bootstrap = status.bootstrap or ""
        span = demo_span(options.minutes, now or datetime.now(UTC))
        summary.span = str(span)
        with _step(summary, "simulate", say):
            summary.produced = _simulate(options, span, summary.bootstrap, say)
        spark = _spark(paths)
        with _step(summary, "glue job (available-now)", say):
            summary.job = _run_job(spark, paths, summary.bootstrap, say)
        summary.lake = lake_stats(paths.lake)
        with _step(summary, "reports", say):
            summary.reports, summary.driving = _reports(spark, paths, options, say)
        with _step(summary, "crawl", say):
            summary.crawl = _crawl(spark, paths, say)
        with _step(summary, "queries", say):
            summary.queries = _queries(spark, options.query_rows)
    finally:
        if not options.keep_kafka:
            kafka.down(report=say)
    return summary


def _spark(paths: LocalPaths) -> SparkSession:
    from vts.spark.session import SparkSettings, build_session

    return build_session(SparkSettings.local(paths))


def _simulate(options: DemoOptions, span: Span, bootstrap: str, say: Say) -> dict[str, int]:
    from simulator.entry.run import KafkaSink, RunPlan, default_window_seconds, run
    from simulator.outputs.producer import Producer

    say(f"    {options.vehicles} vehicles of {options.scenario}, {span}")
    plan = RunPlan(
        scenario=options.scenario,
        seed=options.seed,
        vehicles=options.vehicles,
        start=span.start,
        duration_s=(span.end - span.start).total_seconds(),
        window_s=default_window_seconds(options.vehicles, False, options.tick_seconds),
        tick_s=options.tick_seconds,
    )
    result = run(plan, KafkaSink(Producer.connect(bootstrap)))
    report = result.report
    if report is None or not report.ok:
        from vts.exceptions import TransientError

        raise TransientError(
            f"the simulator could not deliver every event: {report and report.first_error}",
            hint=f"check the broker log under {options.paths.kafka}",
        )
    say(f"    produced {report.total_delivered:,} events at {report.events_per_s:,.0f}/s")
    return dict(report.delivered)


def _run_job(spark: SparkSession, paths: LocalPaths, bootstrap: str, say: Say) -> dict[str, Any]:
    from vts.stream.args import JobArgs
    from vts.stream.job import run
    from vts.stream.sink import BatchReport

    args = JobArgs(
        bootstrap_servers=bootstrap,
        output_path=str(paths.lake),
        quarantine_path=str(paths.lake / QUARANTINE_TABLE),
        checkpoint_path=str(paths.checkpoints / "job"),
        available_now=True,
        catalog_database=DATABASE,
    )

    def on_batch(batch: BatchReport) -> None:  # (the sink's own log line is -v's)
        say(
            f"    batch {batch.batch_id}: {batch.events:,} rows, {batch.quarantined} "
            f"quarantined, {batch.files} files in {batch.seconds:.1f}s"
        )

    result = run(args, spark=spark, on_batch=on_batch)
    return {
        "batches": result.batches,
        "events": result.events,
        "quarantined": result.quarantined,
        "files": result.files,
        "seconds": round(result.seconds, 1),
        "events_per_s": round(result.events / result.seconds) if result.seconds else None,
    }


def lake_stats(lake: Path) -> dict[str, dict[str, int]]:
    """Rows, files and partitions per table folder, read with pyarrow (as any reader would)."""
    import pyarrow.dataset as ds

    stats: dict[str, dict[str, int]] = {}
    for table in (*TOPIC_NAMES, QUARANTINE_TABLE):
        folder = lake / table
        files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
        rows = ds.dataset([str(f) for f in files], format="parquet").count_rows() if files else 0
        stats[table] = {
            "rows": rows,
            "files": len(files),
            "partitions": len({f.parent for f in files}),
        }
    return stats


def _reports(
    spark: SparkSession, paths: LocalPaths, options: DemoOptions, say: Say
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Write the scenario's reference tables into the lake, then build the fleet reports
    for every day the lake holds: a few rows of each table, and how many vehicles drove (a
    daily summary with distance) of how many reported."""
    from datetime import date

    import pyarrow.dataset as ds

    from simulator.outputs.reference import write_reference
    from vts.reports.build import BuildOptions, build
    from vts.reports.tables import SUMMARY, TABLES

    write_reference(options.scenario, paths.lake)
    folders = sorted((paths.lake / "vehicle_data").glob("dt=*"))
    days = [date.fromisoformat(f.name.removeprefix("dt=")) for f in folders]
    built = build(spark, days, BuildOptions(lake=str(paths.lake)))
    for day in built:
        say(f"    {day.day}: {day.vehicles} vehicles, {day.rows} in {day.seconds:.1f}s")
    results: dict[str, dict[str, Any]] = {}
    for table in TABLES:
        rows = ds.dataset(paths.lake / table.name, partitioning="hive").to_table().to_pylist()
        results[table.name] = {"rows": len(rows), "first": rows[: options.query_rows]}
    distance: dict[str, float] = {}
    for row in ds.dataset(paths.lake / SUMMARY.name, partitioning="hive").to_table().to_pylist():
        distance[row["vehicle_id"]] = distance.get(row["vehicle_id"], 0.0) + row["distance_km"]
    driving = {"vehicles": len(distance), "driving": sum(d > 0 for d in distance.values())}
    say(f"    {driving['driving']} of {driving['vehicles']} vehicles drove in the span")
    return results, driving


def _crawl(spark: SparkSession, paths: LocalPaths, say: Say) -> dict[str, int]:
    from vts.catalog.base import get_catalog
    from vts.catalog.crawler import crawl

    # the reference tables (roads, geofences) are in the lake since the reports step
    report = crawl(paths.lake, get_catalog("spark", spark=spark), database=DATABASE)
    for skip in report.skipped:
        say(f"    skipped {skip}")
    return dict(report.totals)


def _queries(spark: SparkSession, rows: int) -> dict[str, dict[str, Any]]:
    from vts.query.analytics import list_analytics
    from vts.query.runner import run_template

    results: dict[str, dict[str, Any]] = {}
    for template in list_analytics():
        result = run_template(spark, template, database=DATABASE)
        results[template.name] = {
            "rows": len(result.rows),
            "seconds": round(result.seconds, 2),
            "first": [dict(r) for r in result.rows[:rows]],
        }
    return results
