"""The two approaches the job benchmark (``bench.bench_job``) compares, each run once in a
given Spark session: the tutorial's queries and the vts job; and the caps that give each
its micro-batches."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

PARTITIONS_PER_TOPIC = 3
# Runs of each approach per input size, in turns (this VM's speed drifts within minutes).
PAIRS = 3


def tutorial_queries(
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


def vts_job(
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


def batch_cap(events: int, batches: int) -> int:
    """``maxOffsetsPerTrigger`` that reads ``events`` in exactly ``batches`` micro-batches:
    Spark splits the cap over the partitions and rounds each share down, so a cap of just
    ``events / batches`` leaves up to one event per partition per batch for one more."""
    from vts.contract.topics import TOPIC_NAMES

    return math.ceil(events / batches) + PARTITIONS_PER_TOPIC * len(TOPIC_NAMES)


def tutorial_cap(per_batch: int) -> int:
    """Each of the tutorial's five queries (one per topic) gets a fifth of the vts cap."""
    return math.ceil(per_batch / 5)
