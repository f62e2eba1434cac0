"""The streaming job on ``local[2]`` against the tutorial's approach, on the same input.

The simulator's events go to fresh topics of a local broker, at two sizes: 1,000 vehicles
x 120 s (~240k events) and 5,000 vehicles x 120 s (~1.2M events). Then, in one fresh
PySpark process (so the Spark start-up time is measured too, and the Kafka connector is on
its classpath whatever other benchmarks started before), for each size:

- the tutorial's approach: one query per topic, ``from_json`` with a fixed schema, the
  Parquet file sink, no validation, normalisation or deduplication;
- the vts job (``vts.stream.run``, available-now): validation by the contract's code on
  the Python workers, tutorial normalisation, deduplication, quarantine, deterministic
  files committed per micro-batch.

Both read each input after a warm-up run of each on other topics (JIT, Python workers),
and each input is read three times by each (``PAIRS``), in turns whose order alternates:
this VM's speed drifts by a quarter within minutes, so one pair of runs proves little.
The headline figures are the medians (the ratio: of the pairs' ratios); every run is kept.
The vts job reads the 240k input in 4 micro-batches and the 1.2M input in batches of
400k (3; the cap is a third of the input plus one event per partition, see
``batch_cap``); the tutorial's queries (one per topic) get a fifth of that cap each, so
their batch counts are their own (reported as they were). Also measured: the peak
resident memory of the driver, its JVM and the Python workers during the 1.2M vts run
(in the shared process, after the tutorial's run, and again in a process of its own that
runs only the vts job, as a Glue worker would), the dedup state's own task time per run
(``bench.state``: RocksDB's calls, the commit's flush, the watermark's eviction), and the
fixed cost of a micro-batch (the median wall time between batches of 1,000 events).

**Whole runs** (``whole``, issue 28): on the 1.2M input, each approach as a process of its
own, timed from its process start to its exit, as a new user runs it: the Glue job script
(``glue_scripts/vts_streaming_job.py --available_now true --catalog none``, its default
cap of 500,000 records per micro-batch) against a script that starts the same local
session (``SparkSettings.local()``, the class archive included when built) and runs the
tutorial's queries without a cap. ``PAIRS`` pairs in alternating order; the CPU seconds of
each process tree are sampled (``bench.cpu``) until it exits.

Standalone: ``python -m bench.bench_job [--quick]`` (starts its own broker).
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import BenchContext

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
SIZES = {"240k": (1_000, 120, 4), "1.2M": (5_000, 120, 3)}  # vehicles, seconds, batches
QUICK_SIZES = {"quick": (150, 60, 4)}
SMALL_BATCH = 1_000
PARTITIONS_PER_TOPIC = 3
SMALL_BATCHES = 8
# Runs of each approach per input size, in turns (this VM's speed drifts within minutes).
PAIRS = 3


def _produce(ctx: BenchContext, bootstrap: str, prefix: str, vehicles: int, seconds: int) -> int:
    from simulator import generate
    from simulator.outputs.producer import Producer
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics

    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=PARTITIONS_PER_TOPIC)
    batches = generate("city", 3, START, seconds, vehicles=vehicles)
    with Producer.connect(bootstrap, topic_prefix=prefix) as producer:
        producer.produce_batches(batches.values())
    events = sum(len(b) for b in batches.values())
    ctx.say(f"job: produced {events:,} events to {prefix}*")
    return events


def run(ctx: BenchContext) -> dict[str, Any]:
    sizes = QUICK_SIZES if ctx.quick else SIZES
    bootstrap = ctx.kafka_bootstrap()
    # fixed names (a new broker per run): they decide which partitions share a task (run O)
    tag = "r1"
    warm = f"benchjobwarm{tag}-"
    small = f"benchjobsmall{tag}-"
    config: dict[str, Any] = {
        "bootstrap": bootstrap,
        "workdir": str(ctx.workdir / f"job-{tag}"),
        "warm_prefix": warm,
        "warm_events": _produce(ctx, bootstrap, warm, 100, 30),
        # ~1,000 events per micro-batch: small vehicles x a few seconds, capped per batch
        "small_prefix": small,
        "small_events": _produce(ctx, bootstrap, small, 100, SMALL_BATCH * SMALL_BATCHES // 200),
        "sizes": {},
    }
    for name, (vehicles, seconds, batches) in sizes.items():
        prefix = f"benchjob{name.replace('.', '')}{tag}-"
        events = _produce(ctx, bootstrap, prefix, vehicles, seconds)
        config["sizes"][name] = {
            "prefix": prefix,
            "events": events,
            "vehicles": vehicles,
            "simulated_seconds": seconds,
            "batches": batches,
        }
    ctx.say("job: running the tutorial's approach and the vts job in a fresh PySpark")
    result = _in_subprocess("--worker", config)
    largest = max(config["sizes"], key=lambda n: config["sizes"][n]["events"])
    ctx.say(f"job: the vts job alone on the {largest} input in its own process (memory)")
    alone = {**config, "workdir": str(Path(config["workdir"]) / "alone")}
    result["sizes"][largest]["own_process"] = _in_subprocess(
        "--alone", {**alone, "size": config["sizes"][largest]}
    )
    ctx.say(f"job: whole runs on the {largest} input, each approach a process of its own")
    result["whole"] = _whole_runs(ctx, config, config["sizes"][largest])
    for name, size in result["sizes"].items():
        ctx.say(
            f"job {name}: vts {size['events_per_s']:,.0f} events/s, tutorial "
            f"{size['tutorial_events_per_s']:,.0f} events/s (ratio {size['ratio']})"
        )
    ctx.say(f"job: fixed cost of a {SMALL_BATCH}-event batch {result['small_batch']}")
    return result


def _in_subprocess(mode: str, config: dict[str, Any]) -> dict[str, Any]:
    """Run ``worker`` (``--worker``) or ``alone`` (``--alone``) in a fresh Python process."""
    done = subprocess.run(  # noqa: S603 - our own module, arguments we built
        [sys.executable, "-m", "bench.bench_job", mode, json.dumps(config)],
        check=False,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode != 0:
        raise RuntimeError(f"the benchmark worker failed (exit {done.returncode}); see stderr")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _timed_process(argv: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``argv`` to its end: wall seconds from its start to its exit, CPU seconds of its
    process tree (sampled every 0.2 s until it exits)."""
    from bench.cpu import tree_cpu

    with log.open("w") as out:
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603 - our own scripts, arguments we built
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[1],
            start_new_session=True,
        )
        cpu: dict[str, float] = {}
        while process.poll() is None:
            try:
                cpu = tree_cpu(process.pid)
            except OSError:
                pass
            time.sleep(0.2)
        seconds = time.monotonic() - started
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{argv[1]} failed (exit {process.returncode}):\n{tail}")
    return {"seconds": round(seconds, 2), "cpu_s": cpu}


def _whole_runs(ctx: BenchContext, config: dict[str, Any], size: dict[str, Any]) -> dict[str, Any]:
    """Each approach from process start to exit, ``PAIRS`` pairs in alternating order."""
    import os

    root = Path(config["workdir"]) / "whole"
    script = Path(__file__).resolve().parents[1] / "glue_scripts" / "vts_streaming_job.py"
    pairs = []
    for i in range(PAIRS):
        out = root / f"pair{i}"
        out.mkdir(parents=True)
        env = {**os.environ, "VTS_HOME": str(out / "home")}
        vts_argv = [
            sys.executable,
            str(script),
            "--JOB_NAME",
            f"bench-whole-{i}",
            "--bootstrap_servers",
            config["bootstrap"],
            "--topic_prefix",
            size["prefix"],
            "--catalog",
            "none",
            "--output_path",
            str(out / "vts" / "lake"),
            "--quarantine_path",
            str(out / "vts" / "lake" / "quarantine"),
            "--checkpoint_path",
            str(out / "vts" / "checkpoint"),
            "--available_now",
            "true",
        ]
        tutorial = {"bootstrap": config["bootstrap"], "prefix": size["prefix"], "out": str(out)}
        tutorial_argv = [
            sys.executable,
            "-m",
            "bench.bench_job",
            "--tutorial",
            json.dumps(tutorial),
        ]
        runs = {}
        order = ("vts", "tutorial") if i % 2 == 1 else ("tutorial", "vts")
        for which in order:
            argv = vts_argv if which == "vts" else tutorial_argv
            runs[which] = _timed_process(argv, env, out / f"{which}.log")
        landed = sum(1 for _ in (out / "vts" / "lake").rglob("*.parquet"))
        pairs.append(
            {
                "order": ", ".join(order),
                "seconds": runs["vts"]["seconds"],
                "tutorial_seconds": runs["tutorial"]["seconds"],
                "ratio": round(runs["tutorial"]["seconds"] / runs["vts"]["seconds"], 3),
                "cpu_s": runs["vts"]["cpu_s"],
                "tutorial_cpu_s": runs["tutorial"]["cpu_s"],
                "vts_files": landed,
            }
        )
        ctx.say(
            f"job whole run {i}: vts {runs['vts']['seconds']}s, tutorial "
            f"{runs['tutorial']['seconds']}s"
        )
    return {
        "events": size["events"],
        "pairs": pairs,
        "seconds": statistics.median(p["seconds"] for p in pairs),
        "tutorial_seconds": statistics.median(p["tutorial_seconds"] for p in pairs),
        "ratio": round(statistics.median(p["ratio"] for p in pairs), 2),
        "ratio_range": [min(p["ratio"] for p in pairs), max(p["ratio"] for p in pairs)],
        "cpu_total_s": statistics.median(p["cpu_s"].get("total", 0.0) for p in pairs),
        "tutorial_cpu_total_s": statistics.median(
            p["tutorial_cpu_s"].get("total", 0.0) for p in pairs
        ),
        "note": "process start -> exit of each; ratio: tutorial seconds / vts seconds (median "
        "of the pairs'); cpu: the process tree's CPU seconds (driver, JVM, Python workers)",
    }


# --- the workers: each runs in its own Python process -------------------------------------


def _tutorial(
    spark: Any, bootstrap: str, prefix: str, out: Path, max_offsets: int | None
) -> tuple[float, dict[str, int]]:
    """The tutorial's job: per topic, from_json with a fixed schema -> Parquet file sink.

    Returns the seconds and each query's number of micro-batches that read data."""
    from pyspark.sql import functions as F

    from vts.contract.events import EVENT_TYPES
    from vts.contract.spark import spark_schema

    queries = {}
    started = time.perf_counter()
    for table, et in EVENT_TYPES.items():
        reader = (
            spark.readStream.format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("subscribe", prefix + table)
            .option("startingOffsets", "earliest")
        )
        if max_offsets is not None:
            reader = reader.option("maxOffsetsPerTrigger", str(max_offsets))
        frame = (
            reader.load()
            .selectExpr("CAST(value AS STRING) AS value")
            .select(F.from_json(F.col("value"), spark_schema(et)).alias("data"))
            .select("data.*")
        )
        queries[table] = (
            frame.writeStream.format("parquet")
            .option("path", str(out / "data" / table))
            .option("checkpointLocation", str(out / "checkpoints" / table))
            .trigger(availableNow=True)
            .start()
        )
    for query in queries.values():
        query.awaitTermination()
    seconds = time.perf_counter() - started
    batches = {
        table: sum(1 for p in query.recentProgress if p["numInputRows"] > 0)
        for table, query in queries.items()
    }
    return seconds, batches


def _vts(
    spark: Any, bootstrap: str, prefix: str, out: Path, max_offsets: int
) -> tuple[float, Any, list[tuple[float, int]]]:
    """The vts job; returns the seconds, its result and (time, records) per batch."""
    from vts.stream import BatchReport, JobArgs, run

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
    marks: list[tuple[float, int]] = []

    def on_batch(report: BatchReport) -> None:
        marks.append((time.perf_counter(), report.records))

    started = time.perf_counter()
    result = run(args, spark=spark, on_batch=on_batch)
    return time.perf_counter() - started, result, [(started, 0), *marks]


def _files_per_partition_hour(lake: Path) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for path in lake.rglob("*.parquet"):
        parts = path.relative_to(lake).parts
        if any(p.startswith(("_", ".")) for p in parts) or len(parts) < 3:
            continue
        counts[(parts[0], parts[-3], parts[-2])] += 1
    return counts


def batch_cap(events: int, batches: int) -> int:
    """``maxOffsetsPerTrigger`` that reads ``events`` in exactly ``batches`` micro-batches:
    Spark splits the cap over the partitions and rounds each share down, so a cap of just
    ``events / batches`` leaves up to one event per partition per batch for one more."""
    from vts.contract.topics import TOPIC_NAMES

    return math.ceil(events / batches) + PARTITIONS_PER_TOPIC * len(TOPIC_NAMES)


def tutorial_cap(per_batch: int) -> int:
    """Each of the tutorial's five queries (one per topic) gets a fifth of the vts cap."""
    return math.ceil(per_batch / 5)


def _pair(
    spark: Any,
    config: dict[str, Any],
    size: dict[str, Any],
    per_batch: int,
    out: Path,
    vts_first: bool,
) -> dict[str, Any]:
    """One run of each approach on the size's input, in the given order."""
    from bench.memory import PeakMemory
    from bench.state import StateTimes

    bootstrap, events = config["bootstrap"], size["events"]
    runs: dict[str, Any] = {}

    def tutorial() -> None:
        cap = tutorial_cap(per_batch)
        runs["tutorial"] = _tutorial(spark, bootstrap, size["prefix"], out / "tutorial", cap)

    def vts() -> None:
        with PeakMemory() as memory, StateTimes(spark) as state:
            runs["vts"] = _vts(spark, bootstrap, size["prefix"], out / "vts", per_batch)
            state.wait_for(runs["vts"][1].batches)
        runs["memory"] = memory.report()
        runs["state"] = state.report()

    for step in (vts, tutorial) if vts_first else (tutorial, vts):
        step()
    vts_s, result, marks = runs["vts"]
    tutorial_s, tutorial_batches = runs["tutorial"]
    landed = result.events + result.quarantined
    if landed != events:
        raise RuntimeError(f"the job landed {landed:,} of {events:,} events")
    return {
        "order": "vts, tutorial" if vts_first else "tutorial, vts",
        "seconds": round(vts_s, 2),
        "tutorial_seconds": round(tutorial_s, 2),
        "ratio": round(tutorial_s / vts_s, 3),
        "batches": result.batches,
        "batches_with_data": sum(1 for _, n in marks[1:] if n > 0),
        "batch_seconds": [round(b[0] - a[0], 2) for a, b in zip(marks, marks[1:], strict=False)],
        "tutorial_batches_with_data": tutorial_batches,
        "quarantined": result.quarantined,
        "memory": runs["memory"],
        "dedup_state": runs["state"],
    }


def _compare(spark: Any, config: dict[str, Any], name: str, size: dict[str, Any]) -> dict[str, Any]:
    """``PAIRS`` pairs of runs on one input; the headline figures are their medians."""
    workdir = Path(config["workdir"]) / name
    events = size["events"]
    per_batch = batch_cap(events, size["batches"])
    pairs = [
        _pair(spark, config, size, per_batch, workdir / f"pair{i}", vts_first=i % 2 == 1)
        for i in range(PAIRS)
    ]
    seconds = statistics.median(p["seconds"] for p in pairs)
    tutorial_seconds = statistics.median(p["tutorial_seconds"] for p in pairs)
    files = _files_per_partition_hour(workdir / "pair0" / "vts" / "lake")
    return {
        "events": events,
        "vehicles": size["vehicles"],
        "simulated_seconds": size["simulated_seconds"],
        "pairs": pairs,
        "seconds": seconds,
        "events_per_s": round(events / seconds),
        "tutorial_seconds": tutorial_seconds,
        "tutorial_events_per_s": round(events / tutorial_seconds),
        "ratio": round(statistics.median(p["ratio"] for p in pairs), 2),
        "ratio_range": [min(p["ratio"] for p in pairs), max(p["ratio"] for p in pairs)],
        "max_offsets_per_trigger": per_batch,
        "tutorial_max_offsets_per_trigger": tutorial_cap(per_batch),
        "batches": sorted({p["batches"] for p in pairs}),
        # derived: the median over the runs of the dedup state's own task seconds
        "dedup_state_task_s": statistics.median(
            p["dedup_state"]["state_task_s_derived"] for p in pairs
        ),
        "memory": pairs[0]["memory"],
        "files": sum(files.values()),
        "partition_hours": len(files),
        "files_per_partition_hour_max": max(files.values(), default=0),
        "tutorial_files": sum(
            1 for _ in (workdir / "pair0" / "tutorial" / "data").rglob("*.parquet")
        ),
        "note": f"{PAIRS} pairs of runs, in alternating order; seconds and events/s are the "
        "medians of the runs, ratio the median of the pairs' ratios (tutorial seconds / "
        "vts seconds); memory and files are the first pair's",
    }


def _small_batches(spark: Any, config: dict[str, Any]) -> dict[str, Any]:
    """The wall time of micro-batches of ``SMALL_BATCH`` events (after the first)."""
    out = Path(config["workdir"]) / "small"
    _, result, marks = _vts(spark, config["bootstrap"], config["small_prefix"], out, SMALL_BATCH)
    cycles = [
        (round(b[0] - a[0], 3), b[1]) for a, b in zip(marks[1:], marks[2:], strict=False) if b[1]
    ]
    seconds = sorted(s for s, _ in cycles)
    return {
        "events": config["small_events"],
        "max_offsets_per_trigger": SMALL_BATCH,
        "batches": result.batches,
        "batch_seconds_and_records": cycles,
        "median_batch_s": seconds[len(seconds) // 2] if seconds else None,
        "note": "wall time from one batch's end to the next's (the first batch is left out: "
        "it pays the query's start)",
    }


def worker(config: dict[str, Any]) -> dict[str, Any]:
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    workdir = Path(config["workdir"])
    started = time.perf_counter()
    spark = build_session(SparkSettings.local(LocalPaths(workdir / "spark"), hive=False))
    spark_start = time.perf_counter() - started
    warm_batch = math.ceil(config["warm_events"] / 4)
    _tutorial(spark, config["bootstrap"], config["warm_prefix"], workdir / "warm-t", warm_batch)
    _vts(spark, config["bootstrap"], config["warm_prefix"], workdir / "warm-vts", warm_batch)
    sizes = {name: _compare(spark, config, name, size) for name, size in config["sizes"].items()}
    return {
        "spark_start_s": round(spark_start, 2),
        "sizes": sizes,
        "small_batch": _small_batches(spark, config),
        "config": "local[2], 3 partitions per topic; the vts job: one maxOffsetsPerTrigger "
        "over all topics; the tutorial: one query per topic with a fifth of it each",
    }


def alone(config: dict[str, Any]) -> dict[str, Any]:
    """The vts job alone in a fresh process (as on a Glue worker: no tutorial run before
    it in the same JVM): its seconds and the peak memory of the process tree."""
    from bench.memory import PeakMemory
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    workdir, size = Path(config["workdir"]), config["size"]
    with PeakMemory() as memory:
        spark = build_session(SparkSettings.local(LocalPaths(workdir / "spark"), hive=False))
        cap = batch_cap(size["events"], size["batches"])
        seconds, result, _ = _vts(spark, config["bootstrap"], size["prefix"], workdir, cap)
    if result.events + result.quarantined != size["events"]:
        raise RuntimeError(f"the job landed {result.events:,} of {size['events']:,} events")
    return {
        "seconds": round(seconds, 2),
        "events_per_s": round(size["events"] / seconds),
        "batches": result.batches,
        "memory": memory.report(),
        "note": "Spark's start, no warm-up; memory sampled from the session's start",
    }


def tutorial_process(config: dict[str, Any]) -> dict[str, Any]:
    """The tutorial's approach as a user runs it: start a session, run the queries, exit."""
    from vts.settings import LocalPaths
    from vts.spark.session import SparkSettings, build_session

    out = Path(config["out"])
    spark = build_session(SparkSettings.local(LocalPaths(out / "home"), hive=False))
    seconds, batches = _tutorial(
        spark, config["bootstrap"], config["prefix"], out / "tutorial", None
    )
    return {"seconds": round(seconds, 2), "batches": batches}


def main(argv: list[str]) -> int:
    workers = {"--worker": worker, "--alone": alone, "--tutorial": tutorial_process}
    if len(argv) == 2 and argv[0] in workers:
        import logging

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        result = workers[argv[0]](json.loads(argv[1]))
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
