"""``vts live alerts``: the live store's alerts, once or as they come (``--follow``)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from vts.cli.console import Output, add_command, add_output_options
from vts.rules.episode import shown
from vts.stopping import stop_on_signals

EPILOG = """examples:
  vts live alerts                      every alert the live store holds, oldest change first
  vts live alerts --follow             and then each new or updated one as it comes (Ctrl-C)
  vts live alerts --after 1a2b3c.120   only those changed after a cursor a run printed
  vts live alerts --follow --format json | jq .alert

Alerts are written by `vts live run` (the reports' rules on every batch): overspeed, harsh
braking and acceleration, low fuel, geofence visits, near_incident. An alert is raised
once (status active) and updated when its episode ends (status ended); its alert_id is the
same in both. The store: --live-url, else VTS_LIVE_URL, else the one `vts local up` started.
"""


def register(verbs: Any) -> None:
    p = add_command(verbs, "alerts", "the live alerts, once or as they come", EPILOG)
    p.add_argument("--live-url", metavar="URL", help="the live store (redis:// or rediss://)")
    p.add_argument("--after", metavar="CURSOR", help="only alerts changed after this cursor")
    p.add_argument("--follow", action="store_true", help="keep printing new alerts (Ctrl-C)")
    p.add_argument(
        "--interval",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="how often --follow asks (default 0.5)",
    )
    add_output_options(p)
    p.set_defaults(func=_alerts)


def _stopper(follow: bool) -> AbstractContextManager[threading.Event]:
    """Ctrl-C or SIGTERM ends ``--follow``; a single read needs no handlers."""
    return stop_on_signals() if follow else nullcontext(threading.Event())


def _line(a: dict[str, Any]) -> str:
    what = a["alert"] + (f" {a['subject']}" if a.get("subject") else "")
    end = f" .. {a['end_ts']}" if a.get("end_ts") else ""
    return (
        f"{a['start_ts']}{end}  {a['vehicle_id']}  {what}  {a['status']}  "
        f"value {shown(a['value'])} (threshold {shown(a['threshold'])})"
    )


def _alerts(args: argparse.Namespace, out: Output) -> int:
    from vts.exceptions import ConfigError
    from vts.live.alerts import LiveAlerts
    from vts.live.cursor import Cursor
    from vts.live.settings import local_settings
    from vts.live.store import LiveStore

    cursor = None
    if args.after:
        cursor = Cursor.parse(args.after)
        if cursor is None:
            raise ConfigError(
                f"--after {args.after!r} is not a cursor",
                hint="pass the cursor a previous run printed",
            )
    as_json = getattr(args, "format", "text") == "json"
    with LiveStore.connect(local_settings(args.live_url)) as store, _stopper(args.follow) as stop:
        feed = LiveAlerts(store)
        rows: list[dict[str, Any]] = []
        while not stop.is_set():
            page = feed.after(cursor)
            cursor = page.cursor
            for alert in json.loads(page.alerts_json):
                if args.follow:
                    print(json.dumps(alert) if as_json else _line(alert), flush=True)
                else:
                    rows.append(alert)
            if page.alerts_json != "[]":
                continue  # more may be waiting
            if not args.follow:
                break
            stop.wait(args.interval)  # Ctrl-C or SIGTERM: see vts.stopping
        if not args.follow:
            out.table(rows)
        print(f"cursor {cursor}", file=sys.stderr)
    return 0
