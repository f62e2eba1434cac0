"""``vts map``: draw a vehicle's day: a PNG and a self-contained HTML map."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vts.cli.cmd_reports import add_lake_option, lake_of, parse_day
from vts.cli.console import Output, add_command, add_output_options

EPILOG = """examples:
  vts map --vehicle VEH-000042 --day 2024-03-05         VEH-000042-2024-03-05.png and .html
  vts map --vehicle VEH-000042 --day 2024-03-05 --png day.png --no-html
  vts map --vehicle VEH-000042 --day 2024-03-05 --html day.html --no-png
  vts map --vehicle VEH-000042 --day 2024-03-05 --geofences zones.geojson

Roads and geofences (the lake's reference tables, plus --geofences), the track coloured
by speed, stops (white discs) and alerts (red triangles). The HTML has no scripts or
external resources; hover for details.
"""


def register(sub: Any) -> None:
    parser = add_command(sub, "map", "draw a vehicle's day as PNG and HTML maps", EPILOG)
    parser.add_argument("--vehicle", required=True, help="vehicle id, e.g. VEH-000042")
    parser.add_argument("--day", type=parse_day, required=True, help="YYYY-MM-DD")
    parser.add_argument("--png", type=Path, help="PNG file (default: <vehicle>-<day>.png)")
    parser.add_argument("--html", type=Path, help="HTML file (default: <vehicle>-<day>.html)")
    parser.add_argument("--no-png", action="store_true", help="no PNG")
    parser.add_argument("--no-html", action="store_true", help="no HTML")
    parser.add_argument(
        "--geofences", type=Path, help="a GeoJSON file of your own geofences (beside the lake's)"
    )
    add_lake_option(parser)
    add_output_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: Output) -> int:
    from vts.reports.dayview import load_day
    from vts.reports.maps import write_html, write_png

    view = load_day(lake_of(args), args.vehicle, args.day, geofences=args.geofences)
    stem = f"{args.vehicle}-{args.day}"
    written = {}
    if not args.no_png:
        written["png"] = str(write_png(view, args.png or Path(f"{stem}.png")))
    if not args.no_html:
        written["html"] = str(write_html(view, args.html or Path(f"{stem}.html")))
    counts = {"fixes": len(view.track), "stops": len(view.stops), "alerts": len(view.alerts)}
    out.record({**written, **counts}, title=f"map of {args.vehicle} on {args.day}")
    return 0
