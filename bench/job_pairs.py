"""The job benchmark's runs inside one Spark session of a fresh process (``python -m
bench.bench_job --worker`` and ``--alone``): pairs of the two approaches on each input, in
alternating order, with the vts job's memory and dedup state; the fixed cost of a small
micro-batch; and the vts job alone, as on a Glue worker."""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.job_approaches import PAIRS, batch_cap, tutorial_cap, tutorial_queries, vts_job

SMALL_BATCH = 1_000


def _files_per_partition_hour(lake: Path) -> Counter[tuple[str, str, str]]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for path in lake.rglob("*.parquet"):
        parts = path.relative_to(lake).parts
        if any(p.startswith(("_", ".")) for p in parts) or len(parts) < 3:
            continue
        counts[(parts[0], parts[-3], parts[-2])] += 1
    return counts


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
        runs["tutorial"] = tutorial_queries(spark, bootstrap, size["prefix"], out / "tutorial", cap)

    def vts() -> None:
        with PeakMemory() as memory, StateTimes(spark) as state:
            runs["vts"] = vts_job(spark, bootstrap, size["prefix"], out / "vts", per_batch)
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
    _, result, marks = vts_job(spark, config["bootstrap"], config["small_prefix"], out, SMALL_BATCH)
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
    tutorial_queries(
        spark, config["bootstrap"], config["warm_prefix"], workdir / "warm-t", warm_batch
    )
    vts_job(spark, config["bootstrap"], config["warm_prefix"], workdir / "warm-vts", warm_batch)
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
        seconds, result, _ = vts_job(spark, config["bootstrap"], size["prefix"], workdir, cap)
    if result.events + result.quarantined != size["events"]:
        raise RuntimeError(f"the job landed {result.events:,} of {size['events']:,} events")
    return {
        "seconds": round(seconds, 2),
        "events_per_s": round(size["events"] / seconds),
        "batches": result.batches,
        "memory": memory.report(),
        "note": "Spark's start, no warm-up; memory sampled from the session's start",
    }
