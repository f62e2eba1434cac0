"""The contract's validator on one core: the simulator's messages plus 5 % hostile ones.

Input: the simulator's events of a fleet (city scenario, every topic in its real share),
with 5 % of the messages replaced by hostile or broken ones (nesting deep enough to make
``json`` recurse too far, integers of thousands of digits, invalid UTF-8, values that
are not objects, wrong types, values out of range, unknown fields, bad UUIDs and
timestamps). Measured on one pinned core, in the same run:

- ``job_function``: what the streaming job's Python workers run, Arrow in and out
  (``vts.stream.validation.BatchValidator`` on record batches of 10,000, Spark's default
  ``spark.sql.execution.arrow.maxRecordsPerBatch``);
- ``validator``: ``vts.contract.fast.MessageValidator`` alone (Python lists in, Arrow out);
- ``plain_python``: ``vts.contract.normalise.parse_message`` per message (``json``).

Each figure is the median of seven passes over the input; the three functions take their
passes in turns, so a slow spell of a shared machine falls on all three alike. Standalone:
``python -m bench.bench_validator [--quick]``.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.context import BenchContext, all_cores, one_core

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
HOSTILE_SHARE = 0.05
ARROW_BATCH = 10_000
PASSES = 7


def _hostile(good: bytes, i: int) -> bytes:
    """The ``i``-th kind of hostile or broken message (derived from a good one)."""
    record = json.loads(good)
    kinds: list[Callable[[], bytes]] = [
        lambda: b"[" * 20_000 + b"]" * 20_000,
        lambda: b'{"a":' * 2_000 + b"1" + b"}" * 2_000,
        lambda: b'{"speed_kmh": ' + b"9" * 5_000 + b"}",
        lambda: good[:20] + b"\xff\xfe" + good[22:],
        lambda: b"[1, 2, 3]",
        lambda: b'"just a string"',
        lambda: b"null",
        lambda: good[: len(good) // 2],
        lambda: json.dumps({**record, "schema_version": 1, "speed_kmh": "fast"}).encode(),
        lambda: json.dumps({**record, "latitude": 123.0}).encode(),
        lambda: json.dumps({**record, "colour": "red"}).encode(),
        lambda: json.dumps({**record, "event_id": "not-a-uuid"}).encode(),
        lambda: json.dumps({**record, "ts": "1970-01-01T00:00:00+00:00"}).encode(),
        lambda: json.dumps({k: v for k, v in record.items() if k != "event_id"}).encode(),
        lambda: json.dumps({**record, "latitude": 10**400}).encode(),
        lambda: json.dumps({**record, "schema_version": 7}).encode(),
    ]
    return kinds[i % len(kinds)]()


def build_input(vehicles: int, seconds: int) -> list[tuple[str, bytes]]:
    """``(topic, raw)`` pairs: the simulator's messages with ``HOSTILE_SHARE`` replaced."""
    from simulator import generate

    rng = random.Random(7)  # noqa: S311 - a benchmark's shuffle, not security
    messages: list[tuple[str, bytes]] = []
    for topic, batch in generate("city", 3, START, seconds, vehicles=vehicles).items():
        messages += [(topic, raw) for raw in batch.to_json_lines()]
    rng.shuffle(messages)
    hostile = rng.sample(range(len(messages)), int(len(messages) * HOSTILE_SHARE))
    for n, at in enumerate(hostile):
        topic, raw = messages[at]
        messages[at] = (topic, _hostile(raw, n))
    return messages


def _record_batches(messages: list[tuple[str, bytes]], now: datetime) -> list[Any]:
    import pyarrow as pa

    batches = []
    ts = pa.timestamp("us", tz="UTC")
    for at in range(0, len(messages), ARROW_BATCH):
        chunk = messages[at : at + ARROW_BATCH]
        n = len(chunk)
        batches.append(
            pa.RecordBatch.from_pydict(
                {
                    "topic": pa.array([t for t, _ in chunk], pa.string()),
                    "kafka_partition": pa.array([0] * n, pa.int32()),
                    "kafka_offset": pa.array(range(at, at + n), pa.int64()),
                    "kafka_timestamp": pa.array([now] * n, ts),
                    "kafka_key": pa.array([None] * n, pa.string()),
                    "value": pa.array([r for _, r in chunk], pa.binary()),
                }
            )
        )
    return batches


def _interleaved_passes(actions: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Wall and CPU seconds of ``PASSES`` passes of each action, taken in turns (one pass
    of each per round): a slow spell of a shared machine then falls on every action alike,
    not on whichever ran during it."""
    seconds: dict[str, list[float]] = {name: [] for name in actions}
    cpu: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(PASSES):
        for name, action in actions.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            action()
            seconds[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    return {name: [*seconds[name], *cpu[name]] for name in actions}


def measure(messages: list[tuple[str, bytes]]) -> dict[str, Any]:
    from vts.contract.events import EVENT_TYPES
    from vts.contract.exceptions import ContractViolation
    from vts.contract.fast import MessageValidator
    from vts.contract.normalise import parse_message
    from vts.stream.validation import BatchValidator

    now = START + timedelta(hours=1)
    n = len(messages)
    batches = _record_batches(messages, now)
    job_function = BatchValidator(tuple(EVENT_TYPES), now=now)
    rows = [sum(b.num_rows for b in job_function(iter([batch]))) for batch in batches]  # warm
    assert sum(rows) == n

    by_topic: dict[str, list[bytes | None]] = {}
    for topic, raw in messages:
        by_topic.setdefault(topic, []).append(raw)
    validators = {t: MessageValidator(t) for t in by_topic}
    invalid = sum(validators[t].validate(raws, now).invalid for t, raws in by_topic.items())

    def plain() -> int:
        bad = 0
        for topic, raw in messages:
            try:
                parse_message(topic, raw, now=now)
            except ContractViolation:
                bad += 1
        return bad

    plain_invalid = plain()
    if plain_invalid != invalid:
        raise RuntimeError(f"the paths disagree: {invalid} vs {plain_invalid} invalid")
    passes = _interleaved_passes(
        {
            "job_function": lambda: [list(job_function(iter([b]))) for b in batches],
            "validator": lambda: [validators[t].validate(r, now) for t, r in by_topic.items()],
            "plain_python": plain,
        }
    )
    wall = {name: n / statistics.median(t[:PASSES]) for name, t in passes.items()}
    return {
        "messages": n,
        "topics": dict(Counter(t for t, _ in messages)),
        "hostile_share": HOSTILE_SHARE,
        "invalid": invalid,
        "job_function_msgs_per_s": round(wall["job_function"]),
        "validator_msgs_per_s": round(wall["validator"]),
        "plain_python_msgs_per_s": round(wall["plain_python"]),
        "job_function_vs_plain_python": round(wall["job_function"] / wall["plain_python"], 1),
        # derived: messages / the median pass's CPU seconds of this process (the figure
        # that a machine shared with other work disturbs least)
        "cpu_msgs_per_s_derived": {
            name: round(n / statistics.median(t[PASSES:])) for name, t in passes.items()
        },
        # derived: messages / the fastest pass's wall seconds
        "best_pass_msgs_per_s_derived": {
            name: round(n / min(t[:PASSES])) for name, t in passes.items()
        },
        "pass_seconds": {
            name: {
                "wall": [round(s, 3) for s in t[:PASSES]],
                "cpu": [round(s, 3) for s in t[PASSES:]],
            }
            for name, t in passes.items()
        },
        "passes": f"{PASSES} per function, taken in turns",
        "arrow_batch_rows": ARROW_BATCH,
    }


def run(ctx: BenchContext) -> dict[str, Any]:
    import os

    vehicles, seconds = (200, 30) if ctx.quick else (1_000, 60)
    messages = build_input(vehicles, seconds)
    ctx.say(f"validator: {len(messages):,} messages, {HOSTILE_SHARE:.0%} hostile, one core")
    previous = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()
    cpu = one_core()
    try:
        result = measure(messages)
    finally:
        all_cores(previous)
    ctx.say(
        f"validator: job function {result['job_function_msgs_per_s']:,} msg/s, validator "
        f"{result['validator_msgs_per_s']:,} msg/s, plain Python "
        f"{result['plain_python_msgs_per_s']:,} msg/s"
    )
    return {"cpu": cpu, "vehicles": vehicles, "simulated_seconds": seconds, **result}


def main(argv: list[str]) -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vts-bench-validator-") as tmp:
        ctx = BenchContext(Path(tmp), quick="--quick" in argv)
        print(json.dumps(run(ctx), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
