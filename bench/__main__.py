"""``python -m bench [NAME ...] [--quick]``: run the benchmark modules, print one JSON document.

Modules are ``bench/bench_<name>.py`` exposing ``run(ctx) -> dict``; by default all of them
run, in name order. A module that fails is reported with its error; the exit code is 1 then.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import BenchContext, machine

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        epilog="example: python -m bench simulator produce > bench.json\n"
        "         python -m bench soak --minutes 60 > soak.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default all: {', '.join(discover())})"
    )
    parser.add_argument("--quick", action="store_true", help="smaller workloads (a smoke run)")
    parser.add_argument(
        "--minutes", type=float, help="the soak's length (default 60, 3 with --quick)"
    )
    args = parser.parse_args(argv)
    names = args.names or discover()
    unknown = sorted(set(names) - set(discover()))
    if unknown:
        parser.error(f"unknown benchmarks {unknown}; known: {discover()}")

    document: dict[str, Any] = {
        "command": shlex.join(
            ["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])]
        ),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "quick": args.quick,
        "results": {},
    }
    failed = False
    # stdout is for the JSON document only: whatever the modules (or JVMs they start)
    # print goes to stderr while they run
    sys.stdout.flush()
    saved_stdout = os.dup(1)
    os.dup2(2, 1)
    try:
        failed = _run_all(names, args.quick, document, args.minutes)
    finally:
        sys.stdout.flush()
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)
    document["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    document["load_average_at_finish"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(document, indent=2), flush=True)
    return 1 if failed else 0


def _run_all(
    names: list[str], quick: bool, document: dict[str, Any], minutes: float | None = None
) -> bool:
    failed = False
    with tempfile.TemporaryDirectory(prefix="vts-bench-") as tmp:
        ctx = BenchContext(Path(tmp), quick=quick, minutes=minutes)
        try:
            for name in names:
                ctx.say(f"running {name}")
                started = time.monotonic()
                try:
                    module = importlib.import_module(f"bench.bench_{name}")
                    result = module.run(ctx)
                except Exception as exc:  # report it and go on with the others
                    failed = True
                    traceback.print_exc(file=sys.stderr)
                    result = {"error": f"{type(exc).__name__}: {exc}"}
                result["wall_s"] = round(time.monotonic() - started, 2)
                document["results"][name] = result
        finally:
            ctx.close()
    return failed


if __name__ == "__main__":
    sys.exit(main())
