"""The streaming job on ``local[2]`` against the tutorial's approach, on the same input.

The simulator's events for a fleet go to fresh topics of a local broker; then, in one
fresh PySpark process (so the Spark start-up time is measured too, and the Kafka
connector is on its classpath whatever other benchmarks started before):

- the tutorial's approach: one query per topic, ``from_json`` with a fixed schema, the
  Parquet file sink, no validation, normalisation or deduplication;
- the vts job (``vts.stream.run``, available-now): validation, tutorial normalisation,
  deduplication, quarantine, deterministic files committed per micro-batch.

Both read all events with the same number of micro-batches (``maxOffsetsPerTrigger``)
after a warm-up run of each on other topics (JIT and code generation). Reported: events
per second of each and their ratio, Spark's start-up time, and the lake's files per
table partition-hour (one per micro-batch that touched it: bounded by the trigger).

Standalone: ``python -m bench.bench_job [--quick]`` (starts its own broker).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import BenchContext

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
BATCHES = 4


def _produce(ctx: BenchContext, bootstrap: str, prefix: str, vehicles: int, seconds: int) -> int:
    from simulator import generate
    from simulator.producer import Producer
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics

    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    batches = generate("city", 3, START, seconds, vehicles=vehicles)
    with Producer.connect(bootstrap, topic_prefix=prefix) as producer:
        producer.produce_batches(batches.values())
    events = sum(len(b) for b in batches.values())
    ctx.say(f"job: produced {events:,} events to {prefix}*")
    return events


def run(ctx: BenchContext) -> dict[str, Any]:
    vehicles, seconds = (150, 60) if ctx.quick else (1_000, 120)
    bootstrap = ctx.kafka_bootstrap()
    warm = f"benchjobwarm{uuid.uuid4().hex[:6]}-"
    measured = f"benchjob{uuid.uuid4().hex[:6]}-"
    warm_events = _produce(ctx, bootstrap, warm, max(vehicles // 10, 20), 30)
    events = _produce(ctx, bootstrap, measured, vehicles, seconds)
    config = {
        "bootstrap": bootstrap,
        "workdir": str(ctx.workdir / f"job-{uuid.uuid4().hex[:6]}"),
        "warm_prefix": warm,
        "warm_events": warm_events,
        "prefix": measured,
        "events": events,
    }
    ctx.say("job: running the tutorial's approach and the vts job in a fresh PySpark")
    done = subprocess.run(  # noqa: S603 - our own module, arguments we built
        [sys.executable, "-m", "bench.bench_job", "--worker", json.dumps(config)],
        check=False,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode != 0:
        raise RuntimeError(f"the benchmark worker failed (exit {done.returncode}); see stderr")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    ctx.say(
        f"job: vts {result['events_per_s']:,.0f} events/s, tutorial "
        f"{result['tutorial_events_per_s']:,.0f} events/s (ratio {result['ratio']}), "
        f"Spark start {result['spark_start_s']}s, "
        f"{result['files_per_partition_hour_max']} files per partition-hour"
    )
    return {"vehicles": vehicles, "simulated_seconds": seconds, **result}


# --- the worker: runs in its own Python process -------------------------------------------


def _tutorial(spark: Any, bootstrap: str, prefix: str, out: Path, max_offsets: int) -> float:
    """The tutorial's job: per topic, from_json with a fixed schema -> Parquet file sink."""
    from pyspark.sql import functions as F

    from vts.contract.events import EVENT_TYPES
    from vts.contract.spark import spark_schema

    queries = []
    started = time.perf_counter()
    for table, et in EVENT_TYPES.items():
        frame = (
            spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("subscribe", prefix + table)
            .option("startingOffsets", "earliest")
            .option("maxOffsetsPerTrigger", str(max_offsets))
            .load()
            .selectExpr("CAST(value AS STRING) AS value")
            .select(F.from_json(F.col("value"), spark_schema(et)).alias("data"))
            .select("data.*")
        )
        query = (
            frame.writeStream.format("parquet")
            .option("path", str(out / "data" / table))
            .option("checkpointLocation", str(out / "checkpoints" / table))
            .trigger(availableNow=True)
            .start()
        )
        queries.append(query)
    for query in queries:
        query.awaitTermination()
    return time.perf_counter() - started


def _vts(spark: Any, bootstrap: str, prefix: str, out: Path, max_offsets: int) -> tuple[float, Any]:
    from vts.stream import JobArgs, run

    args = JobArgs(
        bootstrap_servers=bootstrap,
        output_path=str(out / "lake"),
        quarantine_path=str(out / "lake" / "quarantine"),
        checkpoint_path=str(out / "checkpoint"),
        topic_prefix=prefix,
        available_now=True,
        max_offsets_per_trigger=max_offsets,
        catalog="none",
    )
    started = time.perf_counter()
    result = run(args, spark=spark)
    return time.perf_counter() - started, result


def _files_per_partition_hour(lake: Path) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for path in lake.rglob("*.parquet"):
        parts = path.relative_to(lake).parts
        if any(p.startswith(("_", ".")) for p in parts) or len(parts) < 3:
            continue
        counts[(parts[0], parts[-3], parts[-2])] += 1
    return counts


def worker(config: dict[str, Any]) -> dict[str, Any]:
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    workdir = Path(config["workdir"])
    started = time.perf_counter()
    spark = build_session(SparkSettings.local(LocalPaths(workdir / "spark"), hive=False))
    spark_start = time.perf_counter() - started
    bootstrap, events = config["bootstrap"], config["events"]
    warm_batch = math.ceil(config["warm_events"] / BATCHES)
    _tutorial(spark, bootstrap, config["warm_prefix"], workdir / "warm-tutorial", warm_batch)
    _vts(spark, bootstrap, config["warm_prefix"], workdir / "warm-vts", warm_batch)

    per_query = math.ceil(events / BATCHES / 5)
    tutorial_s = _tutorial(spark, bootstrap, config["prefix"], workdir / "tutorial", per_query)
    vts_s, result = _vts(
        spark, bootstrap, config["prefix"], workdir / "vts", math.ceil(events / BATCHES)
    )
    landed = result.events + result.quarantined
    if landed != events:
        raise RuntimeError(f"the job landed {landed:,} of {events:,} events")
    files = _files_per_partition_hour(workdir / "vts" / "lake")
    tutorial_files = sum(1 for _ in (workdir / "tutorial" / "data").rglob("*.parquet"))
    rate, tutorial_rate = events / vts_s, events / tutorial_s
    return {
        "events": events,
        "spark_start_s": round(spark_start, 2),
        "seconds": round(vts_s, 2),
        "events_per_s": round(rate),
        "batches": result.batches,
        "quarantined": result.quarantined,
        "tutorial_seconds": round(tutorial_s, 2),
        "tutorial_events_per_s": round(tutorial_rate),
        "ratio": round(rate / tutorial_rate, 2),
        "files": sum(files.values()),
        "partition_hours": len(files),
        "files_per_partition_hour_max": max(files.values(), default=0),
        "files_per_partition_hour_mean": round(sum(files.values()) / max(len(files), 1), 2),
        "files_per_partition_hour_bound": "one per micro-batch: <= 3600 / trigger_seconds "
        "(60 at the default 60 s trigger) for an hour receiving data in every batch",
        "tutorial_files": tutorial_files,
        "config": f"local[2], 3 partitions per topic, {BATCHES} micro-batches each",
    }


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--worker":
        import logging

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        result = worker(json.loads(argv[1]))
        print(json.dumps(result), flush=True)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vts-bench-job-") as tmp:
        ctx = BenchContext(Path(tmp), quick="--quick" in argv)
        try:
            print(json.dumps(run(ctx), indent=2))
        finally:
            ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
