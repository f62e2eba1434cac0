"""The vts reports job: the lake's fixes -> trips, stops, summaries, geofences, alerts.

A Glue 5.1 batch (``glueetl``) job, started by EventBridge Scheduler: daily for the day
before (``--day yesterday``) and hourly for today so far (``--day today``); a rerun for a
day replaces that day's report files. Locally the same script runs under PySpark::

    python glue_scripts/vts_reports_job.py --lake_path vts-data/lake --day 2024-03-05

Arguments (``--name value``; ``vts.reports.args`` lists them) are resolved with Glue's own
parser wherever ``awsglue`` is installed, and the Glue session is used only when Glue's JVM
started the script, as in the streaming job (``vts.glue_runtime`` says how each is
decided). Everything else lives in ``vts.reports``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from vts.glue_runtime import resolve_options, running_on_glue
from vts.reports.args import ReportsArgs, glue_option_names

logger = logging.getLogger("vts_reports_job")


def main(argv: Sequence[str]) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    from vts.reports.build import build

    options = resolve_options(argv, glue_option_names(argv))
    args = ReportsArgs.from_options(options, today=datetime.now(UTC).date())
    if running_on_glue():
        from awsglue.context import GlueContext
        from pyspark.context import SparkContext

        spark = GlueContext(SparkContext.getOrCreate()).spark_session
        spark.conf.set("spark.sql.session.timeZone", "UTC")
    else:
        from vts.spark.session import SparkSettings, build_session

        spark = build_session(SparkSettings.local(kafka=False, hive=False))
    for report in build(spark, args.days, args.build_options()):
        logger.info(
            "reports %s: %s vehicles, %s in %.1fs",
            report.day,
            report.vehicles,
            report.rows,
            report.seconds,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
