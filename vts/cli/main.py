"""``vts`` entry point: builds the argument parser from the command modules and runs one.

Each command module exposes ``register(subparsers)`` and sets ``func`` on its parser; the
function takes the parsed arguments and an ``Output`` and returns an exit code. Command
modules are imported lazily per run so ``vts --help`` stays fast and a missing optional
dependency only matters to the command that needs it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from vts.cli.console import Output
from vts.exceptions import VtsError

# module path -> the top-level command it registers
COMMAND_MODULES = (
    "vts.cli.cmd_local",
    "vts.cli.cmd_contracts",
    "vts.cli.cmd_simulate",
    "vts.cli.cmd_job",
    "vts.cli.cmd_crawl",
    "vts.cli.cmd_query",
    "vts.cli.cmd_cost",
    "vts.cli.cmd_demo",
    "vts.cli.cmd_chaos",
    "vts.cli.cmd_reports",
    "vts.cli.cmd_export",
    "vts.cli.cmd_map",
    "vts.cli.cmd_live",
)

EPILOG = """examples:
  vts local up                      start a local Kafka broker (KRaft) under ./vts-data
  vts simulate --broker 127.0.0.1:9092 --vehicles 100 --duration 10m
  vts contracts export schemas/     write the JSON Schema documents
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vts",
        description="Vehicle Tracking System: simulate a fleet, stream it through Kafka and "
        "Spark into a Parquet lake, catalog it and query it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--format", choices=("text", "json", "csv"), default="text", help="output format"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # the command module itself is not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)  # chatty at INFO
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    out = Output(args.format)
    try:
        return int(args.func(args, out) or 0)
    except VtsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `vts ... | head`: the reader had enough; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
