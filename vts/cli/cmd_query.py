"""``vts query``: run the ``sql/`` analytics or any SQL on local Spark SQL."""

from __future__ import annotations

import argparse
from typing import Any

from vts.catalog.base import DEFAULT_DATABASE
from vts.cli.console import Output, add_output_options
from vts.exceptions import ConfigError

EPILOG = """examples:
  vts query --list                                  the analytics in sql/analytics
  vts query latest_position                         one analytic, by name
  vts query sql/analytics/speeding_events.sql --param tolerance_kmh=5
  vts query "SELECT dt, count(*) AS n FROM vehicle_data GROUP BY dt" --format csv
  vts query vehicles_near_incidents --print-sql --param schema=spectrum_vts
                                                    render for Redshift, run nothing

Tables are those `vts crawl` registered in the local catalog (database vts).
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "query",
        help="run a sql/ analytic, a .sql file or SQL text on local Spark SQL",
        description="Run SQL against the tables of the local catalog and print the rows.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", nargs="?", help="analytic name, .sql file, or quoted SQL")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="catalog database")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="value for a ${NAME} placeholder (repeatable)",
    )
    parser.add_argument("--limit", type=int, help="print at most this many rows")
    parser.add_argument(
        "--print-sql", action="store_true", help="print the rendered SQL instead of running it"
    )
    parser.add_argument("--list", action="store_true", help="list the analytics")
    add_output_options(parser)
    parser.set_defaults(func=run)


def parse_params(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--param {item!r} is not NAME=VALUE", hint="e.g. radius_km=0.5")
        params[name.strip()] = value.strip()
    return params


def run(args: argparse.Namespace, out: Output) -> int:
    from vts.query.analytics import list_analytics, resolve

    if args.list:
        out.table(
            [
                {
                    "name": t.name,
                    "params": " ".join(
                        f"{p.name}={p.default}" if p.default is not None else p.name
                        for p in t.params
                    ),
                    "description": t.description,
                }
                for t in list_analytics()
            ],
            columns=("name", "params", "description"),
        )
        return 0
    if not args.target:
        raise ConfigError("nothing to run", hint="pass an analytic name, a .sql file or SQL")
    template = resolve(args.target)
    params = parse_params(args.param)
    if args.print_sql:
        print(template.render({"schema": args.database, **params}), file=out.stream)
        return 0

    from vts.query.runner import run_template
    from vts.spark.session import SparkSettings, build_session

    # not stopped here: the process ends with the command (and a running session, as in
    # tests, is shared rather than ours to stop)
    spark = build_session(SparkSettings.local(kafka=False))
    result = run_template(spark, template, database=args.database, params=params, limit=args.limit)
    out.table(result.rows, columns=result.columns)
    if out.fmt == "text":
        out.message(f"({len(result.rows)} rows, {result.seconds:.2f}s)")
    return 0
