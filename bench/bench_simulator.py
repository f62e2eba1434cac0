"""Simulator throughput on one core: columnar generation, and JSON encoding separately.

A 10,000-vehicle city fleet, generated one 60-second window at a time (1.2 M vehicle and
GPS events per window plus sightings, weather and incidents), timed after a warm-up
window; then the same batches encoded to JSON lines (the Kafka message values). Besides
wall-clock rates, ``events_per_cpu_s`` divides by the process's CPU time, which a busy
machine (other processes on the pinned core) disturbs less.

The warm-up window is timed too: it builds the fleet's plans and walks the days the
window touches (every vehicle's legs, incidents placed), which later windows of the same
days reuse. As a baseline, the same measurement runs in the same benchmark run on the
simulator before the driving dynamics (``BASELINE_COMMIT``, the flat model of issue 2),
exported with ``git archive`` and run in a subprocess pinned to the same core.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.context import BenchContext, all_cores, one_core

TARGET_EVENTS_PER_S = 1_000_000
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
BASELINE_COMMIT = "deefb0a1ee3cb5799fd00577d2219187828f15b1"  # before issue 10's dynamics
ROOT = Path(__file__).resolve().parent.parent


def measure(vehicles: int, windows: int, window_s: int = 60) -> dict[str, Any]:
    """Time ``windows`` windows after a warm-up one (whichever ``simulator`` is imported)."""
    from simulator import generate

    try:
        from simulator.model import fleet
    except ImportError:  # the baseline's simulator: one flat folder, before its split
        from simulator import fleet  # type: ignore[attr-defined, no-redef]

    started = time.perf_counter()
    fleet.build("city", 1, vehicles)
    build_s = time.perf_counter() - started
    t0, c0 = time.perf_counter(), time.process_time()
    generate("city", 1, START - timedelta(seconds=window_s), window_s, vehicles=vehicles)
    warm_s, warm_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rates, events, gen_s, cpu_s = [], 0, 0.0, 0.0
    batches: list[Any] = []
    for i in range(windows):
        t0, c0 = time.perf_counter(), time.process_time()
        at = START + timedelta(seconds=i * window_s)
        batches = list(generate("city", 1, at, window_s, vehicles=vehicles).values())
        elapsed = time.perf_counter() - t0
        cpu_s += time.process_time() - c0
        n = sum(len(b) for b in batches)
        rates.append(n / elapsed)
        events += n
        gen_s += elapsed
    t0 = time.perf_counter()
    encoded = [b.to_json_lines() for b in batches]
    encode_s = time.perf_counter() - t0
    encoded_events = sum(len(lines) for lines in encoded)
    encoded_bytes = sum(len(x) for lines in encoded for x in lines)
    rate = events / gen_s
    return {
        "fleet_build_s": round(build_s, 3),
        "first_window_s": round(warm_s, 3),
        "first_window_cpu_s": round(warm_cpu_s, 3),
        "events": events,
        "generate_s": round(gen_s, 3),
        "events_per_s": round(rate),
        "events_per_s_median_window": round(statistics.median(rates)),
        # per second of this process's CPU time: less sensitive to other processes' load
        "events_per_cpu_s": round(events / cpu_s),
        "json_events_per_s": round(encoded_events / encode_s),
        "json_mb_per_s": round(encoded_bytes / encode_s / 1e6, 1),
        "json_mean_bytes": round(encoded_bytes / encoded_events, 1),
        "generate_and_encode_events_per_s": round(1 / (1 / rate + 1 / (encoded_events / encode_s))),
    }


def _baseline(vehicles: int, windows: int, cpu: int | None) -> dict[str, Any]:
    """``measure`` on the simulator of ``BASELINE_COMMIT``, in a subprocess on ``cpu``."""
    with tempfile.TemporaryDirectory(prefix="vts-sim-baseline-") as tmp:
        archive = Path(tmp) / "src.tar"
        git_archive = ["git", "-C", str(ROOT), "archive", "-o", str(archive), BASELINE_COMMIT]
        subprocess.run([*git_archive, "simulator", "vts"], check=True)  # noqa: S603, S607 - fixed
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        code = (
            "import json, sys; from bench.bench_simulator import measure; "
            f"print(json.dumps(measure({vehicles}, {windows})))"
        )
        cmd = [sys.executable, "-c", code]
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            cmd = ["taskset", "-c", str(cpu), *cmd]
        # the archive's simulator and vts come first on the path (the cwd), bench from here
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(  # noqa: S603 - our own interpreter and code
            cmd, cwd=tmp, env=env, check=True, capture_output=True, text=True
        )
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def run(ctx: BenchContext) -> dict[str, Any]:
    vehicles = 2_000 if ctx.quick else 10_000
    windows = 2 if ctx.quick else 5
    window_s = 60
    load_before = os.getloadavg()[0]
    previous = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    cpu = one_core()
    try:
        now = measure(vehicles, windows, window_s)
    finally:
        if previous:
            all_cores(previous)
    baseline = _baseline(vehicles, windows, cpu)
    rate = now["events_per_s"]
    ctx.say(
        f"simulator: {rate:,.0f} events/s generated (before the dynamics: "
        f"{baseline['events_per_s']:,.0f}/s), {now['json_events_per_s']:,.0f}/s encoded"
    )
    return {
        "cpu_pinned": cpu,
        "vehicles": vehicles,
        "window_s": window_s,
        "windows": windows,
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **now,
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "target_met": rate >= TARGET_EVENTS_PER_S,
        "baseline_commit": BASELINE_COMMIT,
        "baseline": baseline,
        "ratio_to_baseline": round(rate / baseline["events_per_s"], 3),
    }
