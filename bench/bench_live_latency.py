"""Produced -> visible in ``/changes`` through ``vts live run``: ``bench_live``'s
``latency`` part (its docstring says what is measured), apart because it needs the local
broker: ``python -m bench live_latency [--quick]``."""

from __future__ import annotations

from typing import Any

from bench.bench_live import run_latency
from bench.context import BenchContext


def run(ctx: BenchContext) -> dict[str, Any]:
    return run_latency(ctx)
