"""Build the report tables for a day (or days): read the lake, compute, write.

Output: ``<output>/<table>/dt=<day>/<table>-<day>.parquet``, one file per table and day.
Spark writes it into ``<output>/_staging/reports/<table>/dt=<day>/`` first; the build
then deletes whatever else the day's folder holds and moves its file in (on S3 a copy
then a delete), so a rerun for a day replaces its own output and nothing else, and a
reader never sees two versions of a day. Folders starting with ``_`` are invisible to
the crawler, Spark and Spectrum.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from vts.catalog.spark_sql import collect
from vts.reference.geofences import GEOFENCES, Geofence, from_geojson, from_rows
from vts.reference.roadmatch import ROAD_FIELDS, RoadIndex
from vts.reference.roads import ROADS
from vts.reports.spark import day_fixes, report_rows, table_frame
from vts.reports.tables import FIX_FILTER, TABLES, ReportTable, file_name
from vts.reports.vehicle import Context, Window
from vts.rules.params import ReportParams
from vts.rules.places import Incident, incidents_from_events
from vts.stream.layout import join

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

STAGING = "_staging/reports"
SOURCES = ("vehicle_data", "gps_data")


@dataclass(frozen=True)
class BuildOptions:
    lake: str  # where the source tables and the reference tables (roads, geofences) are
    output: str | None = None  # where the report tables go (default: the lake)
    source: str = "vehicle_data"
    geofences: str | None = None  # a GeoJSON file of the user's (local path or URI), added
    params: ReportParams = field(default_factory=ReportParams)

    @property
    def out(self) -> str:
        return self.output or self.lake


@dataclass(frozen=True)
class DayReport:
    day: str
    rows: dict[str, int]
    vehicles: int
    seconds: float


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def load_roads(spark: SparkSession, lake: str, radius_m: float) -> RoadIndex | None:
    from pyspark.errors import AnalysisException

    try:
        rows = collect(spark.read.parquet(join(lake, ROADS.name)).select(*ROAD_FIELDS))
    except AnalysisException:
        logger.warning("no roads table under %s: overspeed is not judged", lake)
        return None
    return RoadIndex.build([r.asDict() for r in rows], radius_m)


INCIDENT_COLUMNS = (
    "event_id",
    "incident_id",
    "incident_type",
    "status",
    "latitude",
    "longitude",
    "ts",
)


def load_incidents(
    spark: SparkSession, lake: str, day: date, lookback_s: float
) -> tuple[Incident, ...]:
    """The emergency incidents reported in the build's window (``near_incident``)."""
    from vts.reports.exceptions import NoLakeDataError

    try:
        frame = day_fixes(spark, join(lake, "emergency_data"), day, lookback_s, INCIDENT_COLUMNS)
        rows = [r.asDict() for r in collect(frame)]
    except NoLakeDataError:
        logger.info("no emergency_data under %s: near_incident is not judged", lake)
        return ()
    for r in rows:
        r["ts"] = r["ts"].replace(tzinfo=UTC).timestamp()
    return tuple(incidents_from_events(rows))


def load_fences(spark: SparkSession, options: BuildOptions) -> tuple[Geofence, ...]:
    """The lake's ``geofences`` table (if it has one) and the user's GeoJSON file (if any)."""
    from pyspark.errors import AnalysisException

    fences: tuple[Geofence, ...] = ()
    table = join(options.lake, GEOFENCES.name)
    try:
        rows = collect(spark.read.parquet(table).select(*GEOFENCES.column_names))
    except AnalysisException:
        logger.info("no geofences table under %s", options.lake)
    else:
        fences += from_rows([r.asDict() for r in rows], table)
    if options.geofences:
        lines = collect(spark.read.text(options.geofences, wholetext=True))
        text = "".join(r.value for r in lines)
        try:
            doc = json.loads(text)
        except ValueError as exc:
            from vts.reference.exceptions import GeofenceFileError

            raise GeofenceFileError(options.geofences, f"is not JSON ({exc})") from exc
        fences += from_geojson(doc, options.geofences)
    return fences


def build_day(
    spark: SparkSession,
    day: date,
    options: BuildOptions,
    *,
    roads: RoadIndex | None = None,
    fences: Sequence[Geofence] | None = None,
    now: float | None = None,
) -> DayReport:
    started = time.monotonic()
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    ctx = Context(
        Window(midnight, midnight + 86400, time.time() if now is None else now),
        options.params,
        roads
        if roads is not None
        else load_roads(spark, options.lake, options.params.road_max_distance_m),
        tuple(fences) if fences is not None else load_fences(spark, options),
        load_incidents(spark, options.lake, day, options.params.lookback_s),
    )
    fixes = day_fixes(spark, join(options.lake, options.source), day, options.params.lookback_s)
    rows = report_rows(fixes, ctx).persist()
    try:
        for t in TABLES:
            write_table(spark, rows, t, day.isoformat(), options.out)
        found = {r["table"]: int(r["count"]) for r in collect(rows.groupBy("table").count())}
        counts = {t.name: found.get(t.name, 0) for t in TABLES}
        # every vehicle of the window has one "kept" row (from the cached rows, no rescan)
        kept = table_frame(rows, FIX_FILTER).where("reason = 'kept'")
        vehicles = kept.count()
    finally:
        rows.unpersist()
    report = DayReport(day.isoformat(), counts, vehicles, time.monotonic() - started)
    logger.info("reports for %s: %s in %.1fs", report.day, counts, report.seconds)
    return report


def write_table(spark: SparkSession, rows: object, table: ReportTable, day: str, out: str) -> None:
    from vts.storage.hadoop import HadoopFiles

    frame = table_frame(rows, table).orderBy(*table.order_by)  # type: ignore[arg-type]
    staging = join(out, STAGING, table.name, f"dt={day}")
    frame.coalesce(1).write.mode("overwrite").parquet(staging)
    files = HadoopFiles(spark)
    parts = [p for p in files.list_files(staging) if p.rsplit("/", 1)[-1].startswith("part-")]
    if len(parts) != 1:
        from vts.reports.exceptions import ReportsError

        raise ReportsError(f"expected one Parquet file in {staging}, found {len(parts)}")
    target_dir = join(out, table.name, f"dt={day}")
    target = join(target_dir, file_name(table.name, day))
    for old in files.list_files(target_dir):
        if old.rsplit("/", 1)[-1] != file_name(table.name, day):
            files.delete(old)
    files.rename(parts[0], target)
    files.delete(staging, recursive=True)


def build(
    spark: SparkSession, days: Iterable[date], options: BuildOptions, now: float | None = None
) -> list[DayReport]:
    """Build every day in ``days`` (roads and geofences are read once)."""
    if options.source not in SOURCES:
        from vts.exceptions import ConfigError

        raise ConfigError(f"cannot build reports from {options.source!r}", hint=f"one of {SOURCES}")
    roads = load_roads(spark, options.lake, options.params.road_max_distance_m)
    fences = load_fences(spark, options)
    return [build_day(spark, d, options, roads=roads, fences=fences, now=now) for d in days]
