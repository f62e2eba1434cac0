"""Simulator throughput on one core: columnar generation, and JSON encoding separately.

A 10,000-vehicle city fleet, generated one 60-second window at a time (1.2 M vehicle and
GPS events per window plus sightings, weather and incidents), timed after a warm-up
window; then the same batches encoded to JSON lines (the Kafka message values).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.context import BenchContext, all_cores, one_core
from simulator import fleet, generate

TARGET_EVENTS_PER_S = 1_000_000
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def run(ctx: BenchContext) -> dict[str, Any]:
    vehicles = 2_000 if ctx.quick else 10_000
    windows = 2 if ctx.quick else 5
    window_s = 60
    previous = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    cpu = one_core()
    try:
        started = time.perf_counter()
        fleet.build("city", 1, vehicles)
        build_s = time.perf_counter() - started
        generate("city", 1, START - timedelta(seconds=window_s), window_s, vehicles=vehicles)

        rates, events, gen_s = [], 0, 0.0
        batches: list[Any] = []
        for i in range(windows):
            t0 = time.perf_counter()
            batches = list(
                generate(
                    "city", 1, START + timedelta(seconds=i * window_s), window_s, vehicles=vehicles
                ).values()
            )
            elapsed = time.perf_counter() - t0
            n = sum(len(b) for b in batches)
            rates.append(n / elapsed)
            events += n
            gen_s += elapsed

        t0 = time.perf_counter()
        encoded = [b.to_json_lines() for b in batches]
        encode_s = time.perf_counter() - t0
        encoded_events = sum(len(lines) for lines in encoded)
        encoded_bytes = sum(len(x) for lines in encoded for x in lines)
    finally:
        if previous:
            all_cores(previous)
    rate = events / gen_s
    ctx.say(
        f"simulator: {rate:,.0f} events/s generated, {encoded_events / encode_s:,.0f}/s encoded"
    )
    return {
        "cpu_pinned": cpu,
        "vehicles": vehicles,
        "window_s": window_s,
        "windows": windows,
        "fleet_build_s": round(build_s, 3),
        "events": events,
        "generate_s": round(gen_s, 3),
        "events_per_s": round(rate),
        "events_per_s_median_window": round(statistics.median(rates)),
        "target_events_per_s": TARGET_EVENTS_PER_S,
        "target_met": rate >= TARGET_EVENTS_PER_S,
        "json_events": encoded_events,
        "json_encode_s": round(encode_s, 3),
        "json_events_per_s": round(encoded_events / encode_s),
        "json_mb_per_s": round(encoded_bytes / encode_s / 1e6, 1),
        "json_mean_bytes": round(encoded_bytes / encoded_events, 1),
        "generate_and_encode_events_per_s": round(1 / (1 / rate + 1 / (encoded_events / encode_s))),
    }
