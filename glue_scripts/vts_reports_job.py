"""The vts reports job: the lake's fixes -> trips, stops, summaries, geofences, alerts.

A Glue 5.1 batch (``glueetl``) job, started by EventBridge Scheduler: daily for the day
before (``--day yesterday``) and hourly for today so far (``--day today``); a rerun for a
day replaces that day's report files. Locally the same script runs under PySpark::

    python glue_scripts/vts_reports_job.py --lake_path vts-data/lake --day 2024-03-05

Arguments (``--name value``): ``lake_path`` (the lake: its tables and the reference tables
``roads`` and ``geofences``), ``output_path`` (default: the lake), ``day`` (YYYY-MM-DD,
``today`` or ``yesterday``) or ``from_day``/``to_day``, ``source`` (vehicle_data),
``geofences`` (a GeoJSON file of your own, s3:// or local, beside the lake's), ``params``
(``name=value,...`` overrides, see ``vts reports params``). Everything else lives in
``vts.reports``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from vts.glue_runtime import resolve_options, started_by_spark_submit

logger = logging.getLogger("vts_reports_job")
OPTIONS = ("lake_path", "output_path", "day", "from_day", "to_day", "source", "geofences",
           "params")  # fmt: skip


def parse_day(text: str, today: date) -> date:
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    return date.fromisoformat(text)


def main(argv: Sequence[str]) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    from vts.reports.build import BuildOptions, build, days_between
    from vts.rules.params import ReportParams
    from vts.spark.session import SparkSettings, build_session

    o = resolve_options(argv, [n for n in OPTIONS if f"--{n}" in argv])
    today = datetime.now(UTC).date()
    if o.get("day"):
        days = [parse_day(o["day"], today)]
    else:
        days = days_between(parse_day(o["from_day"], today), parse_day(o["to_day"], today))
    overrides = dict(p.split("=", 1) for p in o.get("params", "").split(",") if "=" in p)
    options = BuildOptions(
        lake=o["lake_path"],
        output=o.get("output_path") or None,
        source=o.get("source", "vehicle_data"),
        geofences=o.get("geofences") or None,
        params=ReportParams().with_overrides(overrides),
    )
    if started_by_spark_submit():  # Glue does
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    else:
        spark = build_session(SparkSettings.local(kafka=False, hive=False))
    for report in build(spark, days, options):
        logger.info("reports %s: %s vehicles, %s in %.1fs", report.day, report.vehicles,
                    report.rows, report.seconds)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
