"""``vts live``: the live path's commands. Each verb registers itself from its own module."""

from __future__ import annotations

from typing import Any

from vts.cli import live_run
from vts.cli.console import add_command

EPILOG = """examples:
  vts live run --available-now     bring the live store up to date with the topics, then stop
  vts live run                     keep it up to date (Ctrl-C stops after the batch in hand)
"""


def register(sub: Any) -> None:
    parser = add_command(sub, "live", "the live fleet: where every vehicle is now", EPILOG)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    live_run.register(verbs)
