"""Produced -> visible in ``/changes`` through ``vts live run`` (``python -m bench
live_latency [--quick]``; a redis-server and the local broker started for the run).

1,000 vehicles (quick: 200) x 1 Hz produced in real time (one flush per
tick) while ``vts live run`` (a subprocess: the emulated event source mapping, window
0.25 s) applies them; this process polls ``/changes`` every 50 ms and, for each
``vehicle_data`` event that becomes a vehicle's state, takes the time from its produce
call to the poll that first returned it. p50/p95 over >= 1,000 samples (quick: >= 200).
Target p95 <= 1 s. Ticks are produced from the start, but measured only once one of
them was visible: before that the runner is still starting (its imports, joining the
group, a fresh broker's first fetches); that time is ``first_position_s``. An event no poll
returned is ``superseded`` when a later fix of its vehicle was returned (the handler keeps
a vehicle's newest fix of a batch), else ``never_visible``: later than any sample (a p95
that falls among them is reported as null).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.bench_live import REPO
from bench.context import BenchContext


def _latency(url: str, bootstrap: str, vehicles: int, seconds: int, ctx: BenchContext) -> Any:
    from simulator import generate
    from simulator.outputs.producer import Producer
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics
    from vts.live import api
    from vts.live.runner import run_command
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore

    prefix = f"lat{uuid.uuid4().hex[:8]}-"
    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    store_prefix = "l" + uuid.uuid4().hex[:10]
    env = {**os.environ, "VTS_LIVE_PREFIX": store_prefix, "PYTHONPATH": str(REPO)}
    group = f"bench-{uuid.uuid4().hex[:8]}"
    argv = run_command(bootstrap, url, prefix, group=group, window=0.25)
    runner = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)  # noqa: S603
    produced: dict[str, float] = {}  # vehicle_data event_id -> produce time (measured ticks)
    warm_up: set[str] = set()  # the first tick's: produced until one is seen, not measured
    whose: dict[str, tuple[str, int]] = {}  # event_id -> (vehicle, measured tick)
    seen: dict[str, float] = {}
    ready, done = threading.Event(), threading.Event()

    def produce() -> None:
        producer = Producer.connect(bootstrap, topic_prefix=prefix)
        tick, measured = time.time(), 0
        while measured < seconds:
            tick += 1.0
            time.sleep(max(0.0, tick - time.time()))
            start = datetime.fromtimestamp(int(time.time()), UTC)
            batches = generate("city", 9, start, 1, vehicles=vehicles)
            at, counted = time.time(), ready.is_set()
            for line in batches["vehicle_data"].to_json_lines():
                record = json.loads(line)
                event_id = record["event_id"]
                if counted:
                    produced[event_id] = at
                    whose[event_id] = (record["vehicle_id"], measured)
                else:
                    warm_up.add(event_id)
            producer.produce_batches(batches.values())
            producer.flush()
            measured += counted
        producer.close()
        done.set()

    ctx.say(f"live latency: {vehicles:,} vehicles x 1 Hz for {seconds} s through vts live run")
    with LiveStore.connect(LiveSettings(url=url, prefix=store_prefix)) as store:
        cursor = json.loads(api.handle("GET", "/vehicles", store=store).body)["cursor"]
        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        started, first_s = time.time(), None
        try:
            while not done.is_set() or time.time() < max(produced.values(), default=0) + 5:
                time.sleep(0.05)
                body = json.loads(
                    api.handle("GET", "/changes", f"after={cursor}", store=store).body
                )
                now, cursor = time.time(), body["cursor"]
                for v in body["vehicles"]:
                    if v["event_id"] in produced and v["event_id"] not in seen:
                        seen[v["event_id"]] = now - produced[v["event_id"]]
                    elif first_s is None and v["event_id"] in warm_up:
                        first_s = now - started  # the runner is up, has joined, applies
                        ready.set()
                if done.is_set() and len(seen) >= len(produced):
                    break
                if not ready.is_set() and now - started > 120:
                    raise RuntimeError("vts live run showed no position within 120 s")
        finally:
            runner.terminate()
            runner.wait(timeout=30)
            thread.join(timeout=30)
    samples = sorted(seen.values())
    if not samples:
        raise RuntimeError("no produced position became visible in /changes")
    # an event never shown is either superseded (a later fix of its vehicle was shown: the
    # handler keeps a vehicle's newest fix of a batch) or never visible, which counts as
    # later than any sample (a p95 it reaches is reported as null)
    newest_seen: dict[str, int] = {}
    for event_id in seen:
        vehicle, n = whose[event_id]
        newest_seen[vehicle] = max(n, newest_seen.get(vehicle, -1))
    unseen = [whose[e] for e in produced if e not in seen]
    never = [n for vehicle, n in unseen if newest_seen.get(vehicle, -1) <= n]
    ranked = samples + [math.inf] * len(never)
    p95 = ranked[int(0.95 * len(ranked)) - 1]
    return {
        "vehicles": vehicles,
        "seconds": seconds,
        "samples": len(samples),
        "produced_vehicle_data": len(produced),
        "superseded": len(unseen) - len(never),
        "never_visible": len(never),
        "never_visible_by_tick": dict(Counter(never)),
        "p50_s": round(statistics.median(samples), 3),
        "p95_s": None if math.isinf(p95) else round(p95, 3),
        "max_s": round(samples[-1], 3),
        "first_position_s": round(first_s or 0.0, 3),
        "runner": "vts live run --window 0.25 (batch size 2000); /changes polled every 50 ms",
        "measured": "ticks produced after the runner's first position was visible",
        "target_p95_s": 1.0,
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    from vts.local.redis_server import LocalRedis

    redis = LocalRedis(ctx.workdir / "live-latency-home")
    status = redis.up(report=ctx.say)
    assert status.url is not None
    try:
        vehicles, seconds = (200, 10) if ctx.quick else (1_000, 20)
        latency = _latency(status.url, ctx.kafka_bootstrap(), vehicles, seconds, ctx)
    finally:
        redis.down(report=ctx.say)
    ctx.say(f"live: produced->visible p95 {latency['p95_s']} s")
    return {"server": status.version, "latency": latency}
