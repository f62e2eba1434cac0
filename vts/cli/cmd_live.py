"""``vts live``: the live path's commands. Each verb registers itself from its own module."""

from __future__ import annotations

from typing import Any

from vts.cli import live_alerts, live_run, live_serve
from vts.cli.console import add_command

EPILOG = """examples:
  vts live run --available-now     bring the live store up to date with the topics, then stop
  vts live run                     keep it up to date (Ctrl-C stops after the batch in hand)
  vts live serve                   the live map on http://127.0.0.1:8765/ over the local store
  vts live serve --api https://abc123.lambda-url.eu-west-1.on.aws/   against a deployed stack
  vts live alerts --follow          the live alerts as they come
"""


def register(sub: Any) -> None:
    parser = add_command(sub, "live", "the live fleet: where every vehicle is now", EPILOG)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    live_run.register(verbs)
    live_serve.register(verbs)
    live_alerts.register(verbs)
