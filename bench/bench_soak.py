"""The soak: the streaming job, as a user deploys it, on a steady fleet for an hour.

A fleet of ``--vehicles`` drives in real time (the simulator's windows of one second,
event time = wall-clock time, produced one a second to a local broker; about two events
per vehicle-second). The Glue job script runs as its own process on ``local[2]`` with the
freshness trigger (``--trigger``, 2 s: the least the template allows), the lake and
checkpoint on local disk, and the Glue Data Catalog on moto's server (a mock of AWS's API,
as the deployed job registers its partitions: ``--catalog glue``), with the five tables
made beforehand as the crawler would have. Every minute the benchmark records:

- resident memory of the job's Python driver, its JVM and Spark's Python workers, and of
  the JVM's: its heap, its native memory that Native Memory Tracking counts, and the rest
  (RocksDB's and other native libraries' allocations);
- the micro-batches that ended in the minute: Spark's batch seconds, records, offsets
  behind latest (the job's own metrics line), and the share of the minute they took;
- the dedup state's size on the checkpoint (``state/``), the whole checkpoint, the sink's
  ledger, and Spark's local scratch folder (RocksDB's working copy, shuffle files);
- files per table partition-hour, the load average (the machine is shared), and the
  machine's speed: a fixed work's CPU milliseconds and the hypervisor's steal
  (``bench.machine_speed``).

Growth is bounded when memory and batch time in the last 10 minutes are within 10 % of
minutes 10-20, however long the run (``bench.soak.growth_check``; a run shorter than an hour
scales the windows); each figure's 10-minute means and its slope over the run's second half
say whether a figure that grew keeps growing or filled and stopped. The same check on a
batch's wall and CPU seconds counted in probes tells a job that got dearer from a machine
that got slower (``growth_at_machine_speed``). Freshness is
each produced second's delivery -> all its events in published files and their partitions
in the catalog (``bench.soak.Freshness``), with where the time went, from the checkpoint's
own timestamps (offset log entry, manifest). At the end the producer stops, the job is
killed and caught up with ``--available_now`` (as ``vts chaos`` does), and the chaos verdict
(``vts.chaos``: lost, duplicated, orphans by the sink's ledger) is taken over the whole lake.

This module runs the soak minute by minute; the job's command line and tables are
``bench.soak_job``'s, the job, producer and watcher ``bench.soak_processes``', a minute's
row ``bench.soak_sample``'s and the result ``bench.soak_result``'s.

    python -m bench soak --minutes 60 > soak.json          # in the bench suite
    python -m bench.bench_soak --minutes 3 --vehicles 500  # alone (starts its own broker)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.context import BenchContext, job_env, machine
from bench.machine_speed import SpeedProbe
from bench.memory import NMT_OPTION
from bench.soak import Freshness, job_failure, percentile
from bench.soak_job import create_tables, job_argv
from bench.soak_processes import FleetProducer, JobProcess, LakeWatcher, SoakOptions
from bench.soak_result import assemble, lake_verdict, say_result
from bench.soak_sample import SAMPLE_S, sample

QUICK_MINUTES = 3.0
START_TIMEOUT_S = 300.0
DRAIN_TIMEOUT_S = 300.0


def soak(ctx: BenchContext, options: SoakOptions) -> dict[str, Any]:
    from vts.chaos.aws import mock_aws
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics

    bootstrap = ctx.kafka_bootstrap()
    workdir = ctx.workdir / f"soak-{uuid.uuid4().hex[:6]}"
    (workdir / "spark-local").mkdir(parents=True)
    prefix = f"soak{uuid.uuid4().hex[:6]}-"
    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    minutes = max(1, round(options.minutes))
    with mock_aws() as aws:
        glue = aws.client("glue")
        create_tables(glue, workdir / "lake", workdir / "lake" / "quarantine")
        env = job_env(
            workdir / "home",
            # the Glue catalog on moto's server; the lake stays on local disk (no S3 endpoint)
            **{k: v for k, v in aws.env.items() if k != "VTS_S3_ENDPOINT"},
            SPARK_LOCAL_DIRS=str(workdir / "spark-local"),
            # the JVM's own count of its native memory, read each minute (bench.memory)
            JAVA_TOOL_OPTIONS=NMT_OPTION,
        )
        argv = job_argv(bootstrap, prefix, workdir, options.trigger_seconds)
        ctx.say(f"soak: starting the job ({workdir})")
        job = JobProcess(argv, env, workdir / "job.log")
        fresh = Freshness()
        producer = FleetProducer(bootstrap, prefix, options, fresh)
        watcher = LakeWatcher(workdir / "lake", workdir / "checkpoint", glue, producer, fresh)
        speed = SpeedProbe()
        samples: list[dict[str, Any]] = []
        failed: dict[str, Any] | None = None  # the job's death, if it died mid-soak
        try:
            job.wait_started(START_TIMEOUT_S)
            producer.start()
            while producer.began is None:
                if not producer.is_alive():
                    raise RuntimeError(f"the producer stopped: {producer.error}")
                time.sleep(0.1)
            watcher.start()
            speed.start()
            began = producer.began
            ctx.say(
                f"soak: {options.vehicles} vehicles in real time, trigger "
                f"{options.trigger_seconds}s, for {minutes} min"
            )
            for minute in range(minutes):
                end = began + (minute + 1) * SAMPLE_S
                while time.time() < end and failed is None:
                    if job.process.poll() is not None:
                        failed = job_failure(job.log, minute, job.process.returncode)
                        ctx.say(f"soak: THE JOB DIED in minute {minute}: {failed['error']}")
                    elif not producer.is_alive() or not watcher.is_alive():
                        raise RuntimeError(f"producer: {producer.error}; watcher: {watcher.error}")
                    else:
                        time.sleep(min(1.0, max(0.0, end - time.time())))
                if failed is not None:
                    break
                row = sample(
                    minute,
                    end - SAMPLE_S,
                    end,
                    job,
                    producer,
                    workdir,
                    options.trigger_seconds,
                    speed,
                )
                samples.append(row)
                with producer.lock:  # the minute before's windows: most have settled
                    recent = fresh.seconds_produced_between(end - 2 * SAMPLE_S, end - SAMPLE_S)
                p95 = percentile(recent, 0.95)
                ctx.say(
                    f"soak minute {minute}: rss {row['rss_total_mib']} MiB, "
                    f"{row['batches']} batches, mean {row['batch_s_mean']}s, busy "
                    f"{row['busy_share']}, state {row['state_mib']} MiB, load "
                    f"{row['load_average'][0]}, probe {row['probe_cpu_ms']} ms, freshness "
                    f"p95 {'-' if p95 is None else round(p95, 2)}s the minute before "
                    f"({len(fresh.samples)} samples)"
                )
            producer.stop.set()
            producer.join(60)
            drained = failed is None and _drain(producer, fresh)  # a dead job lands nothing
            watcher.stop.set()
            watcher.join(30)
            job.kill()
            # after a crash too: the restart from the checkpoint must land every event once
            ctx.say("soak: catching up with --available_now, then the verdict")
            final = JobProcess(
                job_argv(bootstrap, prefix, workdir, options.trigger_seconds, True),
                env,
                workdir / "catch-up.log",
            )
            code = final.process.wait(timeout=900)
            final.kill()
            if code != 0:
                raise RuntimeError(f"the catch-up run failed ({code}): {final.log}")
            verdict = lake_verdict(workdir, producer)
        finally:
            speed.stop.set()
            producer.stop.set()
            watcher.stop.set()
            job.kill()
    judged = minutes if failed is None else len(samples)  # the growth check: the minutes run
    result = assemble(options, judged, samples, producer, watcher, fresh, job, verdict, drained)
    result["job_failed"] = failed
    return result


def _drain(producer: FleetProducer, fresh: Freshness) -> bool:
    """Wait until every produced window's sample is in (or ``DRAIN_TIMEOUT_S`` passed)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        with producer.lock:
            if fresh.waiting == 0:
                return True
        time.sleep(0.5)
    return False


def run(ctx: BenchContext) -> dict[str, Any]:
    minutes = ctx.minutes or (QUICK_MINUTES if ctx.quick else 60.0)
    result = soak(ctx, SoakOptions(minutes=minutes))
    say_result(ctx, result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: python -m bench.bench_soak --minutes 60 --out bench/results/soak.json",
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="length (default 60)")
    parser.add_argument(
        "--trigger", type=int, default=SoakOptions.trigger_seconds, help="the job's trigger, s"
    )
    parser.add_argument(
        "--vehicles", type=int, default=SoakOptions.vehicles, help="fleet size (~2 events/s each)"
    )
    parser.add_argument("--seed", type=int, default=SoakOptions.seed)
    parser.add_argument("--out", type=Path, help="write the JSON here too (default: stdout only)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the lake, checkpoint and logs here (default: a temporary folder, removed)",
    )
    args = parser.parse_args(argv)
    options = SoakOptions(
        minutes=args.minutes, trigger_seconds=args.trigger, vehicles=args.vehicles, seed=args.seed
    )
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vts-soak-") as tmp:
        ctx = BenchContext(args.workdir or Path(tmp))
        ctx.workdir.mkdir(parents=True, exist_ok=True)
        document: dict[str, Any] = {
            "command": " ".join(["python", "-m", "bench.bench_soak", *(argv or sys.argv[1:])]),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
        }
        try:
            result = soak(ctx, options)
            say_result(ctx, result)
        finally:
            ctx.close()
    document["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    document["load_average_at_finish"] = [round(x, 2) for x in os.getloadavg()]
    document["results"] = {"soak": result}
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 1 if result.get("job_failed") else 0


if __name__ == "__main__":
    sys.exit(main())
