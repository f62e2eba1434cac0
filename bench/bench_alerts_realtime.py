"""Live alerts at real-time pace: decidable -> visible in ``/alerts``.

200 vehicles at one fix per second (``vehicle_data``, ``gps_data``, ``emergency_data``)
produced in real time for 600 s (quick: 60 s) while ``vts live run`` (a subprocess,
window 0.25 s, the scenario's roads and geofences) applies them; this process polls ``GET
/alerts`` every 50 ms. The fixes are the city's morning (8:00 on 2024-03-05, a busy hour:
``vts live run`` with ``VTS_LIVE_SILENCE_S=0``), each tick produced a second after the
last. The measure is ``bench_alerts.py``'s: from the wall time the fix that made an
alert decidable was produced to the poll that first returned it, alerts opened by the
first tick left out. p50/p95; target p95 <= 2 s over >= 100 samples.

Standalone: ``python -m bench alerts_realtime [--quick]``.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from bench.bench_alerts import DAY, _latencies, _runner, _Watcher
from bench.context import BenchContext

START = DAY + timedelta(hours=8)
VEHICLES, TICK = 200, 1.0


def _measure(url: str, bootstrap: str, ctx: BenchContext) -> dict[str, Any]:
    from simulator import generate
    from simulator.outputs.producer import Producer
    from simulator.outputs.reference import write_reference
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore
    from vts.rules.params import DEFAULT_PARAMS as P

    seconds = 60 if ctx.quick else 600
    lake = ctx.workdir / "alerts-realtime-lake"
    write_reference("city", lake)
    prefix, store_prefix = f"ar{uuid.uuid4().hex[:8]}-", "r" + uuid.uuid4().hex[:10]
    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    never = {"VTS_LIVE_SILENCE_S": 0, "VTS_LIVE_INCIDENT_TTL_S": 0}  # a morning in the past
    runner = _runner(bootstrap, url, prefix, store_prefix, lake, window=0.25, env=never)
    produced: dict[float, float] = {}  # a tick's event time -> when it was produced
    ctx.say(f"alerts at real time: {VEHICLES} vehicles x 1 Hz for {seconds} s, vts live run")
    try:
        with LiveStore.connect(LiveSettings(url=url, prefix=store_prefix)) as store:
            time.sleep(5)  # the runner joins its group
            producer = Producer.connect(bootstrap, topic_prefix=prefix)
            generate("city", 9, START, TICK, vehicles=VEHICLES)  # the fleet's plans, once
            with _Watcher(store) as watcher:
                at_tick = time.time()
                for k in range(seconds):
                    at_tick += TICK
                    start = START + timedelta(seconds=k * TICK)
                    batches = generate("city", 9, start, TICK, vehicles=VEHICLES)
                    time.sleep(max(0.0, at_tick - time.time()))
                    producer.produce_batches(batches.values())
                    producer.flush()
                    produced[start.timestamp()] = time.time()
                producer.close()
                time.sleep(5)
    finally:
        runner.terminate()
        runner.wait(timeout=60)
    return {
        "vehicles": VEHICLES,
        "seconds": seconds,
        "start": START.isoformat(),
        **_latencies(watcher.seen, produced, P, TICK, first=START.timestamp()),
        "runner": "vts live run --window 0.25 (batch size 2000); /alerts polled every 50 ms",
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    from vts.local.redis_server import LocalRedis

    redis = LocalRedis(ctx.workdir / "alerts-realtime-home")
    status = redis.up(report=ctx.say)
    assert status.url is not None
    try:
        result = _measure(status.url, ctx.kafka_bootstrap(), ctx)
    finally:
        redis.down(report=ctx.say)
    ctx.say(
        f"alerts at real time: decidable->visible p50 {result.get('p50_s')} s, p95 "
        f"{result.get('p95_s')} s ({result['samples']} samples)"
    )
    return {"server": status.version, **result}
