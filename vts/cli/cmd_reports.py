"""``vts reports build`` (compute the report tables) and ``vts report <kind>`` (read them)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vts.cli.console import Output, add_command, add_output_options
from vts.settings import LocalPaths

if TYPE_CHECKING:
    from vts.reports.args import ReportsArgs

BUILD_EPILOG = """examples:
  vts reports build --day 2024-03-05             one day (and 12 h before it, for lookback)
  vts reports build --from 2024-03-01 --to 2024-03-07
  vts reports build --day today                  today so far (rerun: replaces its output)
  vts reports build --day yesterday --geofences zones.geojson --param min_duration_s=300
  vts reports geofences city.geojson             a scenario's geofences, to edit or view

Roads and geofences come from the lake (<lake>/roads, <lake>/geofences: `vts simulate
--reference LAKE` writes a scenario's); --geofences adds a GeoJSON file of your own.
  vts reports params                             every parameter and its default

Tables: <lake>/report_<name>/dt=<day>/report_<name>-<day>.parquet, one file per day.
"""

REPORT_EPILOG = """examples:
  vts report trips --vehicle VEH-000042 --day 2024-03-05
  vts report stops --vehicle VEH-000042 --day 2024-03-05 --format csv
  vts report summary --day 2024-03-05             every vehicle's day
  vts report alerts --vehicle VEH-000042 --day 2024-03-05 --format json
  vts report geofences --vehicle VEH-000042 --day 2024-03-05

Reads the tables `vts reports build` wrote (one small file per day).
"""

KINDS = ("trips", "stops", "summary", "alerts", "geofences", "filter")


def parse_day(text: str) -> date:
    """``--day`` and friends as argparse types: the reports job's own reading of a day."""
    from vts.reports.args import parse_day as parse
    from vts.reports.exceptions import ReportsArgsError

    try:
        return parse(text, datetime.now(UTC).date())
    except ReportsArgsError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message}: {exc.hint}") from None


def add_lake_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake", type=Path, help="the lake (default: $VTS_HOME/lake)")


def lake_of(args: argparse.Namespace) -> Path:
    return Path(args.lake) if args.lake else LocalPaths.from_env().lake


def register(sub: Any) -> None:
    parser = add_command(
        sub, "reports", "build the fleet report tables from the lake", BUILD_EPILOG
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    p = add_command(
        verbs, "build", "compute trips, stops, summaries, geofences, alerts", BUILD_EPILOG
    )
    p.add_argument("--day", type=parse_day, help="YYYY-MM-DD, today or yesterday")
    p.add_argument("--from", dest="first", type=parse_day, help="first day of a range")
    p.add_argument("--to", dest="last", type=parse_day, help="last day of a range (inclusive)")
    add_lake_option(p)
    p.add_argument("--output", help="where the report tables go (default: the lake)")
    p.add_argument("--source", default="vehicle_data", choices=("vehicle_data", "gps_data"))
    p.add_argument("--geofences", help="a GeoJSON file of your own geofences (beside the lake's)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter (repeatable; see `vts reports params`)",
    )
    add_output_options(p)
    p.set_defaults(func=_build)

    p = add_command(verbs, "geofences", "write a scenario's geofences as GeoJSON", BUILD_EPILOG)
    p.add_argument("file", type=Path, help="where to write (e.g. city.geojson)")
    p.add_argument("--scenario", default="city", help="the simulator's scenario (default city)")
    p.set_defaults(func=_geofences)

    p = add_command(verbs, "params", "list the parameters and their defaults", BUILD_EPILOG)
    add_output_options(p)
    p.set_defaults(func=_params)

    parser = add_command(
        sub, "report", "print one vehicle's (or every vehicle's) report for a day", REPORT_EPILOG
    )
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--vehicle", help="vehicle id (default: every vehicle)")
    parser.add_argument("--day", type=parse_day, required=True, help="YYYY-MM-DD")
    add_lake_option(parser)
    add_output_options(parser)
    parser.set_defaults(func=_report)


def reports_args(args: argparse.Namespace) -> ReportsArgs:
    """The ``ReportsArgs`` the flags describe (the same record the Glue script builds)."""
    from vts.reports.args import ReportsArgs, days_of, parse_params

    return ReportsArgs(
        lake_path=str(lake_of(args)),
        days=days_of(args.day, args.first, args.last),
        output_path=args.output,
        source=args.source,
        geofences=args.geofences,
        params=parse_params(args.param),
    )


def _build(args: argparse.Namespace, out: Output) -> int:
    from vts.reports.build import build
    from vts.spark.session import SparkSettings, build_session

    job = reports_args(args)
    spark = build_session(SparkSettings.local(kafka=False, hive=False))
    reports = build(spark, job.days, job.build_options())
    rows = []
    for r in reports:
        counts = {k.removeprefix("report_"): v for k, v in r.rows.items()}
        rows.append(
            {"day": r.day, "vehicles": r.vehicles, **counts, "seconds": round(r.seconds, 1)}
        )
    out.table(rows)
    return 0


def _geofences(args: argparse.Namespace, out: Output) -> int:
    from simulator.outputs.reference import scenario_geofences
    from vts.reference.geofences import write_geofences

    doc = scenario_geofences(args.scenario)
    write_geofences(doc, args.file)
    out.message(f"wrote {len(doc['features'])} geofences of {args.scenario} to {args.file}")
    return 0


def _params(args: argparse.Namespace, out: Output) -> int:
    from vts.rules.params import ReportParams, describe

    doc = describe()
    out.table(
        [
            {"name": n, "default": v, "description": doc.get(n, "")}
            for n, v in ReportParams().as_dict().items()
        ]
    )
    return 0


def _report(args: argparse.Namespace, out: Output) -> int:
    from vts.reports.read import report_rows
    from vts.reports.tables import SHORT

    table = SHORT[args.kind]
    rows = report_rows(lake_of(args), table, args.vehicle, args.day)
    shown = [{k: _shown(v) for k, v in r.items()} for r in rows]
    out.table(shown, columns=table.column_names)
    if out.fmt == "text":
        out.message(f"({len(rows)} rows)")
    return 0


def _shown(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value
