"""The live path's handler throughput and ``GET /vehicles``.

All local: a redis-server (or valkey-server) started for the run (before this process pins
itself, so the server keeps its own core). Produced -> visible in ``/changes``,
which needs the local broker, is ``bench/bench_live_latency.py``'s.

- ``handler``: ``vts.live.consumer.LiveConsumer.handle`` on one pinned core (its writer
  thread too; the server runs on another, as ElastiCache is another machine) at 10,000
  vehicles (quick: 1,000): the simulator's ``vehicle_data``, ``gps_data`` and
  ``emergency_data`` of 10 s at 1 Hz, in time order, as MSK events of up to 10,000
  records (the mapping's largest ``BatchSize``) and 6 MB (its payload limit), whichever
  comes first, over ``PARTITIONS`` partitions a topic by key (as the producers partition):
  base64, decode, validate, coalesce, pipelined writes. At 10,000 vehicles a batch holds
  about one record per vehicle: records of one time go topic by topic, so the batches
  alternate between a second's ``vehicle_data`` (every state newer than the stored one: a
  write each) and its ``gps_data`` (every state older than the ``vehicle_data`` of the same
  time, which wins the tie: read, judged and left out, ``LiveStore.unbeaten``). Each pass
  writes to a fresh key prefix (and nothing expires: on a loaded machine the passes
  outlast the 5 minutes' silence); the figure is the median pass's
  records per wall-clock second. Target >= 200,000. Also per pass: the handler's CPU
  time (records per CPU second: on a loaded machine the fairer figure), the server's CPU
  time (``INFO cpu``), its commands per vehicle written and, for the median pass, its
  time per record by command (``INFO commandstats``).
  Baseline in the same run, on the same events: ``decode_only``, the handler's reading
  without the store (base64, decode, validate, coalesce); the ratio says what the writes
  cost. With valgrind installed, also the server's and the handler's instructions per
  record for four of the events (``bench.callgrind``, ``bench.handler_count``): unlike
  seconds, the counts compare across runs.
- ``get_vehicles``: ``vts.live.api.handle("GET", "/vehicles")`` over those 10,000
  vehicles (the JSON body a client gets, store round trip included): median and p95 of
  30 calls. Target <= 100 ms. Baseline in the same run: the states' JSON read back with
  one ``HVALS`` and joined, without the API (the floor of any snapshot), and the ratio.

Standalone: ``python -m bench.bench_live [--quick]``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
import uuid
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.context import BenchContext, all_cores, one_core

REPO = Path(__file__).resolve().parents[1]
BATCH_RECORDS = 10_000
COUNTED_EVENTS = 4  # events whose instructions are counted, after one that warms up
PASSES = 3
PARTITIONS = 3  # a topic's, as vts.kafka.admin makes them
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
            partition = zlib.crc32(bytes(key)) % PARTITIONS  # by key, as the producers do
            rows.append((bytes(ts), record_json(topic, partition, i, 0, bytes(key), value)))
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
        "server_instructions": _server_instructions(events, ctx),
        "handler_instructions": _handler_instructions(events, ctx),
    }, prefix


def _handler_instructions(events: list[dict[str, Any]], ctx: BenchContext) -> dict[str, Any] | None:
    """The handler's instructions per record on the events ``_server_instructions``
    counts (``bench.handler_count`` under callgrind, no store): reading, judging and
    coalescing, then encoding. ``None`` without valgrind."""
    from bench import callgrind

    if not callgrind.available() or len(events) < 2:
        return None
    path = ctx.workdir / "counted-events.json"
    path.write_text(json.dumps(events[: 1 + COUNTED_EVENTS]))
    ctx.say("live handler: counting the handler's instructions (python under valgrind)")
    argv = [sys.executable, "-m", "bench.handler_count", str(path)]
    stages, printed = callgrind.run_counted(argv, ctx.workdir / "callgrind.handler", cwd=REPO)
    records = json.loads(printed)["records"]
    decode, encode = stages[0], stages[1]
    return {
        "how": "python -m bench.handler_count under valgrind --tool=callgrind (no store)",
        "records": records,
        "decode_per_record": round(decode / records),
        "encode_per_record": round(encode / records),
        "per_record": round((decode + encode) / records),
    }


def _server_instructions(events: list[dict[str, Any]], ctx: BenchContext) -> dict[str, Any] | None:
    """The server's instructions per record for the handler's batches (``bench.callgrind``:
    the same count on every run, so it compares across runs where seconds do not): events
    2 to 5 (quick: 2) into a store that the first warmed up. ``None`` without valgrind."""
    from bench import callgrind
    from vts.live.consumer import LiveConsumer
    from vts.live.esm import read_columns
    from vts.live.settings import LiveSettings
    from vts.live.store import LiveStore

    if not callgrind.available() or len(events) < 2:
        ctx.say("live handler: no valgrind (or one event), so no instruction count")
        return None
    counted = events[1 : 1 + COUNTED_EVENTS]
    records = sum(read_columns(event).count for event in counted)
    ctx.say(f"live handler: counting the server's instructions for {records:,} records")
    server = callgrind.CountedRedis(ctx.workdir)
    try:
        settings = LiveSettings(url=server.url, prefix="counted", silence_s=0)
        with LiveStore.connect(settings) as store:
            consumer = LiveConsumer(store)
            consumer.handle(events[0])
            with server.counting():
                for event in counted:
                    consumer.handle(event)
            consumer.close()
    finally:
        total = server.stop()
    return {
        "how": "valgrind --tool=callgrind around the handler's writes (bench/callgrind.py)",
        "events": len(counted),
        "records": records,
        "per_record": round(total / records),
    }


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
