"""``vts demo``: the whole local pipeline in one command (what ``make demo`` runs)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from vts.cli.console import Output, add_output_options

EPILOG = """examples:
  vts demo                               200 vehicles x 30 simulated minutes (of the
                                         fleet's busy hours: the span is printed)
  vts demo --vehicles 1000 --tick 1      a bigger fleet, one fix per second
  vts demo --keep-kafka                  leave the broker and the live store running
                                         afterwards (then: VTS_HOME=vts-data/demo vts live serve)

State goes to $VTS_HOME/demo (wiped at the start). Afterwards, query it again with
  VTS_HOME=vts-data/demo vts query latest_position
"""


def register(sub: Any) -> None:
    from vts.demo import BUSY_UTC

    busy = f"{BUSY_UTC[0]:%H:%M}-{BUSY_UTC[1]:%H:%M} UTC"
    p = sub.add_parser(
        "demo",
        help="run the whole pipeline locally: Kafka, simulator, Glue job, crawler, queries, "
        "the live map",
        description="Start local Kafka, simulate a fleet (the minutes before now when they "
        f"fall in the fleet's busy hours, {busy}, else the end of the last busy "
        "hours), run the Glue streaming job on local PySpark until caught up, build the "
        "reports, crawl the lake into the local catalog, run sql/analytics, apply the topics "
        "to the live store (the live consumer, as `vts live run --available-now`), serve "
        "the live map, print its URL and leave a screenshot of it (headless Chromium) in "
        "the demo's folder, print a summary, stop Kafka and the live store.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--vehicles", type=int, default=200, help="fleet size (default 200)")
    p.add_argument("--minutes", type=float, default=30.0, help="simulated minutes (default 30)")
    p.add_argument(
        "--tick", type=float, default=10.0, help="seconds between a vehicle's fixes (default 10)"
    )
    p.add_argument("--seed", type=int, default=42, help="simulation seed (default 42)")
    p.add_argument("--rows", type=int, default=5, help="rows shown per query (default 5)")
    p.add_argument(
        "--keep-kafka",
        action="store_true",
        help="do not stop the broker and the live store at the end",
    )
    p.add_argument("--home", type=Path, help="state folder (default $VTS_HOME/demo)")
    add_output_options(p)
    p.set_defaults(func=_demo)


def _demo(args: argparse.Namespace, out: Output) -> int:
    from vts.demo import DemoOptions, run_demo

    options = DemoOptions(
        vehicles=args.vehicles,
        minutes=args.minutes,
        tick_seconds=args.tick,
        seed=args.seed,
        query_rows=args.rows,
        keep_kafka=args.keep_kafka,
        home=args.home,
    )
    if not args.verbose:  # each step says what it did once; the library's logs are -v's
        for name in ("vts", "simulator"):
            logging.getLogger(name).setLevel(logging.WARNING)
    summary = run_demo(options, say=lambda text: print(text, file=sys.stderr, flush=True))
    if out.fmt == "json":
        out.record(summary.as_dict())
        return 0
    out.message(
        f"\nSimulated {summary.span}: {summary.driving.get('driving')} of "
        f"{summary.driving.get('vehicles')} vehicles drove."
    )
    out.message("\nEvents per table (produced to Kafka -> rows in the lake, read with pyarrow):")
    out.table(
        [
            {"table": t, "produced": summary.produced.get(t), **stats}
            for t, stats in summary.lake.items()
        ]
    )
    out.message("\nCrawl:")
    out.record(summary.crawl)
    out.message("\nJob:")
    out.record(summary.job)
    for name, result in summary.queries.items():
        out.message(f"\n{name}: {result['rows']} rows in {result['seconds']}s")
        if result["first"]:
            out.table(result["first"])
    for name, result in summary.reports.items():
        out.message(f"\n{name}: {result['rows']} rows")
        if result["first"]:
            out.table(result["first"])
    live = summary.live
    out.message(
        f"\nLive map: {live['on_map']} vehicles shown at {live['url']} (served during the "
        f"demo); screenshot: {live['screenshot']}"
    )
    out.message(f"\nState is in {summary.home}.")
    return 0
