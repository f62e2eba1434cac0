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
``bench.job_approaches.batch_cap``); the tutorial's queries (one per topic) get a fifth
of that cap each, so their batch counts are their own (reported as they were). Also
measured: the peak resident memory of the driver, its JVM and the Python workers during
the 1.2M vts run (in the shared process, after the tutorial's run, and again in a process
of its own that runs only the vts job, as a Glue worker would), the dedup state's own
task time per run (``bench.state``: RocksDB's calls, the commit's flush, the watermark's
eviction), and the fixed cost of a micro-batch (the median wall time between batches of
1,000 events).

**Whole runs** (``whole``, issue 28): on the 1.2M input, each approach as a process of its
own, timed from its process start to its exit, as a new user runs it: the Glue job script
(``glue_scripts/vts_streaming_job.py --available_now true --catalog none``, its default
cap of 500,000 records per micro-batch) against a script that starts the same local
session (``SparkSettings.local()``, the class archive included when built) and runs the
tutorial's queries without a cap. ``PAIRS`` pairs in alternating order; the CPU seconds of
each process tree are sampled (``bench.cpu``) until it exits.

This module produces the inputs and starts the processes; the two approaches are
``bench.job_approaches``, the runs in one session (``--worker``, ``--alone``)
``bench.job_pairs``, the whole runs ``bench.job_whole``.

Standalone: ``python -m bench.bench_job [--quick]`` (starts its own broker).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.job_approaches import PARTITIONS_PER_TOPIC
from bench.job_pairs import SMALL_BATCH, alone, worker
from bench.job_whole import tutorial_process, whole_runs

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
SIZES = {"240k": (1_000, 120, 4), "1.2M": (5_000, 120, 3)}  # vehicles, seconds, batches
QUICK_SIZES = {"quick": (150, 60, 4)}
SMALL_BATCHES = 8


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
    result["whole"] = whole_runs(ctx, config, config["sizes"][largest])
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
