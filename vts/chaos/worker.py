"""A warm Lambda container of the simulator: the real handler, invoked window after window.

    python -m vts.chaos.worker --progress progress.jsonl --from 12 --count 100 --pace 1.0
    python -m vts.chaos.worker --progress replay.jsonl --only 3      # one late invocation

The workload comes from the ``VTS_*`` variables the handler reads (as the template sets them).
Each invocation gets a context whose remaining time is ``--remaining-ms``: an attempt killed
mid-window holds its window's idempotency record that long, as a Lambda timeout would. A
failed invocation is retried (as Lambda retries an asynchronous one) after ``--retry-s``.
One JSON line per step goes to ``--progress``: ``begin``, ``done`` (with
``already_produced``), ``error``; then ``finished``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from vts.chaos.source_tree import HANDLER, require
from vts.chaos.windows import Workload
from vts.settings import env, env_int


@dataclass
class Context:
    """The attributes of Lambda's context object that the handler and Powertools read."""

    remaining_ms: int
    function_name: str = "vts-chaos-simulator"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:vts-chaos"

    def __post_init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + self.remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("simulator_producer_app", require(HANDLER))
    if spec is None or spec.loader is None:
        raise ImportError(HANDLER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _note(progress: TextIO, **fields: Any) -> None:
    progress.write(json.dumps({"t": time.time(), **fields}) + "\n")
    progress.flush()


def invoke(app: ModuleType, workload: Workload, index: int, remaining_ms: int) -> dict[str, Any]:
    result: dict[str, Any] = app.lambda_handler(workload.event(index), Context(remaining_ms))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m vts.chaos.worker", description=__doc__)
    p.add_argument("--progress", required=True, type=Path)
    p.add_argument("--from", dest="first", type=int, default=0)
    p.add_argument("--count", type=int, default=1, help="windows in the whole workload")
    p.add_argument("--only", type=int, help="invoke this one window once (a late replay)")
    p.add_argument("--pace", type=float, default=1.0, help="seconds between window starts")
    p.add_argument("--remaining-ms", type=int, default=5_000)
    p.add_argument("--retry-s", type=float, default=1.0)
    args = p.parse_args(argv)
    workload = Workload(
        scenario=env("SCENARIO", "city") or "city",
        seed=env_int("SEED", 0),
        vehicles=env_int("FLEET_VEHICLES", 100),
        window_seconds=env_int("WINDOW_SECONDS", 10),
        windows=args.count,
        pace_s=args.pace,
    )
    app = load_handler()
    with args.progress.open("a") as progress:
        if args.only is not None:
            try:
                result = invoke(app, workload, args.only, args.remaining_ms)
            except Exception as exc:  # reported, not raised: the harness records the outcome
                _note(progress, i=args.only, state="error", error=f"{type(exc).__name__}: {exc}")
                return 1
            _note(progress, i=args.only, state="done", already=bool(result.get("already_produced")))
            return 0
        paced_from: float | None = None  # the pace starts once the first window is out
        for i in range(args.first, args.count):
            if paced_from is not None:
                wait = paced_from + (i - args.first) * args.pace - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            while True:
                _note(progress, i=i, state="begin")
                try:
                    result = invoke(app, workload, i, args.remaining_ms)
                except Exception as exc:  # as Lambda does: the invocation failed, retry it
                    _note(progress, i=i, state="error", error=f"{type(exc).__name__}: {exc}")
                    time.sleep(args.retry_s)
                    continue
                _note(
                    progress,
                    i=i,
                    state="done",
                    already=bool(result.get("already_produced")),
                    delivered=result.get("delivered", 0),
                )
                if paced_from is None:
                    paced_from = time.monotonic() - (i - args.first) * args.pace
                break
        _note(progress, state="finished")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
