"""``vts export gpx|geojson``: one vehicle's day as a GPX track or GeoJSON features."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vts.cli.cmd_reports import add_lake_option, lake_of, parse_day
from vts.cli.console import Output, add_command

EPILOG = """examples:
  vts export gpx --vehicle VEH-000042 --day 2024-03-05 -o veh42.gpx
  vts export geojson --vehicle VEH-000042 --day 2024-03-05 > veh42.geojson

The track is the day's filtered fixes; stops and alerts are waypoints (GPX) or points
(GeoJSON), from the report tables when built, else computed from the day's fixes;
geofences (the lake's, plus --geofences) name the stops.
"""


def register(sub: Any) -> None:
    parser = add_command(sub, "export", "export a vehicle's day as GPX or GeoJSON", EPILOG)
    parser.add_argument("fmt", choices=("gpx", "geojson"), metavar="gpx|geojson")
    parser.add_argument("--vehicle", required=True, help="vehicle id, e.g. VEH-000042")
    parser.add_argument("--day", type=parse_day, required=True, help="YYYY-MM-DD")
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    parser.add_argument(
        "--geofences", type=Path, help="a GeoJSON file of your own geofences (beside the lake's)"
    )
    add_lake_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, out: Output) -> int:
    from vts.reports.dayview import load_day
    from vts.reports.export import to_geojson, to_gpx

    view = load_day(lake_of(args), args.vehicle, args.day, geofences=args.geofences)
    text = to_gpx(view) if args.fmt == "gpx" else json.dumps(to_geojson(view)) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(view.track)} fixes)", file=sys.stderr)
    else:
        out.stream.write(text)
    return 0
