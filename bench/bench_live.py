"""The live path: handler throughput, ``GET /vehicles``, and produced -> visible in /changes.

All local: a redis-server (or valkey-server) started for the run (before this process pins
itself, so the server keeps its own core). ``python -m bench live`` runs the ``handler``
and ``get_vehicles`` parts (no broker); ``python -m bench live_latency`` the ``latency``
part, which needs the local broker (``bench/bench_live_latency.py``).

- ``handler``: ``vts.live.consumer.LiveConsumer.handle`` on one pinned core (its writer
  thread too; the server runs on another, as ElastiCache is another machine) at 10,000
  vehicles (quick: 1,000): the simulator's ``vehicle_data``, ``gps_data`` and
  ``emergency_data`` of 10 s at 1 Hz, in time order, as MSK events of up to 10,000
  records (the mapping's largest ``BatchSize``) and 6 MB (its payload limit), whichever
  comes first: base64, decode, validate, coalesce, pipelined writes. At 10,000 vehicles a
  batch holds about one record per vehicle, so nearly every record is a write. Each pass
  writes to a fresh key prefix, so every state is new (and nothing expires: on a loaded
  machine the passes outlast the 5 minutes' silence); the figure is the median pass's
  records per wall-clock second. Target >= 200,000. Also per pass: the handler's CPU
  time (records per CPU second: on a loaded machine the fairer figure), the server's CPU
  time (``INFO cpu``), its commands per vehicle written and, for the median pass, its
  time per record by command (``INFO commandstats``).
  Baseline in the same run, on the same events: ``decode_only``, the handler's reading
  without the store (base64, decode, validate, coalesce); the ratio says what the writes
  cost.
- ``get_vehicles``: ``vts.live.api.handle("GET", "/vehicles")`` over those 10,000
  vehicles (the JSON body a client gets, store round trip included): median and p95 of
  30 calls. Target <= 100 ms. Baseline in the same run: the states' JSON read back with
  one ``HVALS`` and joined, without the API (the floor of any snapshot), and the ratio.
- ``latency``: 1,000 vehicles (quick: 200) x 1 Hz produced in real time (one flush per
  tick) while ``vts live run`` (a subprocess: the emulated event source mapping, window
  0.25 s) applies them; this process polls ``/changes`` every 50 ms and, for each
  ``vehicle_data`` event that becomes a vehicle's state, takes the time from its produce
  call to the poll that first returned it. p50/p95 over >= 1,000 samples (quick: >= 200).
  Target p95 <= 1 s. Ticks are produced from the start, but measured only once one of
  them was visible: before that the runner is still starting (its imports, joining the
  group, a fresh broker's first fetches); that time is ``first_position_s``.

Standalone: ``python -m bench.bench_live [--quick]``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.context import BenchContext, all_cores, one_core

REPO = Path(__file__).resolve().parents[1]
BATCH_RECORDS = 10_000
PASSES = 3
LIVE_TOPICS = ("vehicle_data", "gps_data", "emergency_data")


def _events(vehicles: int, seconds: int) -> tuple[list[dict[str, Any]], int]:
    """MSK events in time order, each of ``BATCH_RECORDS`` records or 6 MB of JSON
    (the invocation payload limit) at most, and the record count."""
    from simulator import generate
    from vts.live.esm import build_event, record_json
    from vts.live.runner import MAX_PAYLOAD_BYTES

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=seconds + 5)
    batches = generate("city", 5, start, seconds, vehicles=vehicles)
    rows: list[tuple[bytes, dict[str, Any]]] = []
    for topic in LIVE_TOPICS:
        batch = batches[topic]
        for i, (key, value) in enumerate(zip(batch.keys, batch.to_json_lines(), strict=True)):
            ts = batch.columns["ts"][i]
            rows.append((bytes(ts), record_json(topic, i % 3, i, 0, bytes(key), value)))
    rows.sort(key=lambda row: row[0])
    events, batch, size = [], [], 200  # the event's own fields
    for _, record in rows:
        length = len(json.dumps(record)) + 2
        if batch and (len(batch) == BATCH_RECORDS or size + length > MAX_PAYLOAD_BYTES):
            events.append(build_event(batch))
            batch, size = [], 200
        batch.append(record)
        size += length
    if batch:
        events.append(build_event(batch))
    return events, len(rows)


def _decode_only(events: list[dict[str, Any]], store: Any) -> float:
    """CPU seconds to read, judge and coalesce ``events`` as the handler does (its own
    ``coalesce``, the garbage collector paused as ``handle`` pauses it), without the
    store's encoding and writes."""
    import gc

    from vts.contract.reader import utc_now
    from vts.live.consumer import BatchReport, LiveConsumer
    from vts.live.esm import read_columns

    consumer = LiveConsumer(store)
    started = time.process_time()
    for event in events:
        gc.disable()
        try:
            consumer.coalesce(read_columns(event), utc_now(), BatchReport())
        finally:
            gc.enable()
    return time.process_time() - started


def _server_cpu(client: Any) -> float:
    cpu = client.info("cpu")
    return float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"])


SKIP_COMMANDS = ("cmdstat_evalsha", "cmdstat_eval", "cmdstat_info", "cmdstat_config")


def _server_commands(stats: dict[str, Any]) -> int:
    """Commands the server ran since the last reset (``INFO commandstats``), scripts' own
    calls included (the calls that run the scripts, and INFO/CONFIG, left out)."""
    return sum(v["calls"] for k, v in stats.items() if not k.startswith(SKIP_COMMANDS))


def _server_usec(stats: dict[str, Any], records: int) -> dict[str, float]:
    """Where the server's time went, in µs per record: each command's own time (those the
    scripts call included), and ``evalsha`` (the script calls: their commands' time
    included, so ``evalsha`` minus the script's commands is the Lua itself)."""
    out = {
        k.removeprefix("cmdstat_"): round(v["usec"] / records, 3)
        for k, v in stats.items()
        if not k.startswith(("cmdstat_info", "cmdstat_config"))
    }
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _handler(url: str, vehicles: int, ctx: BenchContext) -> tuple[dict[str, Any], str]:
    import redis

    from vts.live.consumer import LiveConsumer
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore

    events, n = _events(vehicles, 10)
    sizes = [len(json.dumps(event)) for event in events]
    ctx.say(
        f"live handler: {n:,} records of {vehicles:,} vehicles in {len(events)} events, "
        f"{PASSES} passes, one core"
    )
    admin = redis.Redis.from_url(url)
    seconds, cpu_seconds, server_seconds, decode_seconds = [], [], [], []
    commands, usec, prefix, written = [], [], "", 0
    for _ in range(PASSES + 1):  # the first pass warms up (imports, scripts) and is dropped
        prefix = "b" + uuid.uuid4().hex[:10]
        with LiveStore.connect(LiveSettings(url=url, prefix=prefix, silence_s=0)) as store:
            decode_seconds.append(_decode_only(events, store))
            consumer = LiveConsumer(store)
            admin.config_resetstat()
            server_before = _server_cpu(admin)
            started, started_cpu = time.perf_counter(), time.process_time()
            written = sum(consumer.handle(event).written for event in events)
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - started_cpu)
            server_seconds.append(_server_cpu(admin) - server_before)
            stats = admin.info("commandstats")
            commands.append(_server_commands(stats) / max(1, written))
            usec.append(_server_usec(stats, n))
            consumer.close()
        if written < vehicles:
            raise RuntimeError(f"only {written} states written for {vehicles} vehicles")
    admin.close()
    med = statistics.median
    wall = med(seconds[1:])
    cpu, server, decode = med(cpu_seconds[1:]), med(server_seconds[1:]), med(decode_seconds[1:])
    return {
        "records": n,
        "vehicles": vehicles,
        "events": len(events),
        "batch_records_max": BATCH_RECORDS,
        "event_mb_max": round(max(sizes) / 1e6, 2),
        "states_written_per_pass": written,
        "records_per_s": round(n / wall),
        "cpu_records_per_s": round(n / cpu),
        "server_cpu_records_per_s": round(n / server) if server > 0 else None,
        "server_commands_per_vehicle_written": round(med(commands[1:]), 2),
        "decode_only_cpu_records_per_s": round(n / decode),
        "handler_cpu_vs_decode_only": round(decode / cpu, 2),
        "pass_seconds": [round(s, 3) for s in seconds[1:]],
        "pass_cpu_seconds": [round(s, 3) for s in cpu_seconds[1:]],
        "pass_server_cpu_seconds": [round(s, 3) for s in server_seconds[1:]],
        # the median pass's (by server CPU): INFO commandstats, µs per record
        "server_usec_per_record": usec[1:][_median_at(server_seconds[1:])],
        "target_records_per_s": 200_000,
    }, prefix


def _median_at(values: list[float]) -> int:
    """The index of the median of ``values`` (the upper one of an even count)."""
    return sorted(range(len(values)), key=values.__getitem__)[len(values) // 2]


def _get_vehicles(url: str, prefix: str, vehicles: int) -> dict[str, Any]:
    from vts.live import api
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore

    with LiveStore.connect(LiveSettings(url=url, prefix=prefix, silence_s=0)) as store:
        times = []
        for _ in range(31):
            started = time.perf_counter()
            response = api.handle("GET", "/vehicles", store=store)
            times.append(time.perf_counter() - started)
        count = len(json.loads(response.body)["vehicles"])
        floor = []  # baseline: the states' JSON read back and joined, no API, no sweep
        for _ in range(31):
            started = time.perf_counter()
            joined = ",".join(store.client.hvals(store.k["vj"]))
            floor.append(time.perf_counter() - started)
    if count != vehicles or len(joined) < len(response.body) // 2:
        raise RuntimeError(f"/vehicles returned {count} of {vehicles} vehicles")
    times = sorted(times[1:])
    return {
        "vehicles": count,
        "body_bytes": len(response.body),
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[int(0.95 * len(times)) - 1] * 1000, 1),
        "store_read_median_ms": round(statistics.median(floor[1:]) * 1000, 1),
        "api_vs_store_read": round(statistics.median(times) / statistics.median(floor[1:]), 2),
        "target_ms": 100,
    }


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
                event_id = json.loads(line)["event_id"]
                if counted:
                    produced[event_id] = at
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
    return {
        "vehicles": vehicles,
        "seconds": seconds,
        "samples": len(samples),
        "produced_vehicle_data": len(produced),
        "p50_s": round(statistics.median(samples), 3),
        "p95_s": round(samples[int(0.95 * len(samples)) - 1], 3),
        "max_s": round(samples[-1], 3),
        "first_position_s": round(first_s or 0.0, 3),
        "runner": "vts live run --window 0.25 (batch size 2000); /changes polled every 50 ms",
        "measured": "ticks produced after the runner's first position was visible",
        "target_p95_s": 1.0,
    }


def _pinned_handler(url: str, vehicles: int, ctx: BenchContext) -> tuple[dict[str, Any], str]:
    """``_handler`` with this process pinned to one core (the server already runs)."""
    previous = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()
    cpu = one_core()
    try:
        result, prefix = _handler(url, vehicles, ctx)
    finally:
        all_cores(previous)
    return {"cpu": cpu, **result}, prefix


def run(ctx: BenchContext) -> dict[str, Any]:
    from vts.local.redis_server import LocalRedis

    vehicles = 1_000 if ctx.quick else 10_000
    redis = LocalRedis(ctx.workdir / "live-home")
    status = redis.up(report=ctx.say)  # before pinning: the server keeps its own core
    assert status.url is not None
    result: dict[str, Any] = {"server": status.version}
    try:
        result["handler"], prefix = _pinned_handler(status.url, vehicles, ctx)
        result["cpu"] = result["handler"].pop("cpu")
        result["get_vehicles"] = _get_vehicles(status.url, prefix, vehicles)
    finally:
        redis.down(report=ctx.say)
    ctx.say(
        f"live: handler {result['handler']['records_per_s']:,} records/s, GET /vehicles "
        f"{result['get_vehicles']['median_ms']} ms"
    )
    return result


def run_latency(ctx: BenchContext) -> dict[str, Any]:
    """The ``latency`` part (``python -m bench live_latency``: it needs the broker)."""
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


def main(argv: list[str]) -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vts-bench-live-") as tmp:
        ctx = BenchContext(Path(tmp), quick="--quick" in argv)
        try:
            print(json.dumps(run(ctx), indent=2))
        finally:
            ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
