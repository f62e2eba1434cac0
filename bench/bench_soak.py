"""The soak: the streaming job, as a user deploys it, on a steady fleet for an hour.

A fleet of ``--vehicles`` drives in real time (the simulator's windows of one second,
event time = wall-clock time, produced one a second to a local broker; about two events
per vehicle-second). The Glue job script runs as its own process on ``local[2]`` with the
freshness trigger (``--trigger``, 10 s), the lake and checkpoint on local disk, and the
Glue Data Catalog on moto's server (a mock of AWS's API, as the deployed job registers
its partitions: ``--catalog glue``), with the five tables made beforehand as the crawler
would have. Every minute the benchmark records:

- resident memory of the job's Python driver, its JVM and Spark's Python workers;
- the micro-batches that ended in the minute: Spark's batch seconds, records, offsets
  behind latest (the job's own metrics line), and the share of the minute they took;
- the dedup state's size on the checkpoint (``state/``), the whole checkpoint, the sink's
  ledger, and Spark's local scratch folder (RocksDB's working copy, shuffle files);
- files per table partition-hour, and the load average (the machine is shared).

Growth is bounded when memory and batch time in the last 10 minutes are within 10 % of
minutes 10-20 (``bench.soak.growth_check``; a shorter run scales the windows). Freshness is
each produced second's delivery -> all its events in published files and their partitions
in the catalog (``bench.soak.Freshness``), with where the time went, from the checkpoint's
own timestamps (offset log entry, manifest). At the end the producer stops, the job is
killed and caught up with ``--available_now`` (as ``vts chaos`` does), and the chaos verdict
(``vts.chaos``: lost, duplicated, orphans by the sink's ledger) is taken over the whole lake.

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

from bench.context import BenchContext, machine
from bench.memory import cpu_by_role, jvm_heap, pids_by_role, rss_by_role
from bench.soak import (
    Freshness,
    breakdown,
    files_per_partition_hour,
    folder_bytes,
    growth_check,
    mean,
    percentile,
)
from bench.soak_processes import (
    DATABASE,
    FleetProducer,
    JobProcess,
    LakeWatcher,
    SoakOptions,
    parquet_files,
)

SCRIPT = Path(__file__).resolve().parents[1] / "glue_scripts" / "vts_streaming_job.py"
SAMPLE_S = 60.0
QUICK_MINUTES = 3.0
START_TIMEOUT_S = 300.0
DRAIN_TIMEOUT_S = 300.0
MIB = 1024 * 1024
GROWTH_FIGURES = (
    "rss_total_mib",
    "rss_python_driver_mib",
    "rss_jvm_mib",
    "rss_python_workers_mib",
    "batch_s_mean",
)


def _create_tables(glue_client: Any, lake: Path, quarantine: Path) -> None:
    """The five tables, as the crawler would have made them before (the job registers
    partitions only in tables that exist)."""
    from vts.catalog.base import Column, TableSpec
    from vts.catalog.glue import GlueCatalog
    from vts.contract.events import event_type
    from vts.contract.hive import PARTITION_COLUMNS, hive_columns
    from vts.contract.topics import TOPIC_NAMES

    catalog = GlueCatalog(glue_client)
    catalog.ensure_database(DATABASE)
    for table in TOPIC_NAMES:
        catalog.create_table(
            TableSpec(
                DATABASE,
                table,
                str(lake / table),
                tuple(Column(n, t) for n, t in hive_columns(event_type(table))),
                tuple(Column(n, t) for n, t in PARTITION_COLUMNS),
            )
        )
    del quarantine  # quarantine's table is the crawler's (the job registers it only if there)


def _job_argv(
    bootstrap: str, prefix: str, workdir: Path, trigger: int, available_now: bool = False
) -> list[str]:
    lake = workdir / "lake"
    return [
        sys.executable,
        str(SCRIPT),
        "--JOB_NAME",
        "bench-soak",
        "--bootstrap_servers",
        bootstrap,
        "--topic_prefix",
        prefix,
        "--output_path",
        str(lake),
        "--quarantine_path",
        str(lake / "quarantine"),
        "--checkpoint_path",
        str(workdir / "checkpoint"),
        "--trigger_seconds",
        str(trigger),
        "--catalog",
        "glue",
        "--region",
        "us-east-1",
        "--catalog_database",
        DATABASE,
        "--available_now",
        "true" if available_now else "false",
    ]


def _sample(
    minute: int,
    start: float,
    end: float,
    job: JobProcess,
    producer: FleetProducer,
    workdir: Path,
    trigger: int,
) -> dict[str, Any]:
    from vts.contract.topics import TOPIC_NAMES

    rss = rss_by_role(job.process.pid)
    cpu = cpu_by_role(job.process.pid)
    jvms = pids_by_role(job.process.pid).get("jvm", [])
    heap = jvm_heap(jvms[0]) if jvms else None
    batches = job.batches_between(start, end)
    seconds = [b["seconds"] for b in batches]
    behind = [b["behind"] for b in batches if b["behind"] is not None]
    state = folder_bytes(workdir / "checkpoint" / "state")
    checkpoint = folder_bytes(workdir / "checkpoint")
    ledger = folder_bytes(workdir / "checkpoint" / "vts-sink" / "ledger")
    scratch = folder_bytes(workdir / "spark-local")
    lake = workdir / "lake"
    files = [
        (table, str(p.relative_to(lake / table)))
        for table in TOPIC_NAMES
        for p in parquet_files(lake / table)
    ]
    per_hour = files_per_partition_hour(files)
    current = {t: max(h.values()) for t, h in per_hour.items() if h}
    with producer.lock:
        produced = producer.per_minute.get(minute, 0)
    return {
        "minute": minute,
        "at": datetime.fromtimestamp(end, UTC).isoformat(timespec="seconds"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "rss_python_driver_mib": round(rss.get("python_driver", 0) / MIB, 1),
        "rss_jvm_mib": round(rss.get("jvm", 0) / MIB, 1),
        "rss_python_workers_mib": round(rss.get("python_workers", 0) / MIB, 1),
        "rss_total_mib": round(sum(rss.values()) / MIB, 1),
        # CPU seconds so far (the minute's share: the difference to the row before), a
        # measure of the job's work that the machine's load does not stretch as it does time
        "cpu_s": {role: round(seconds, 1) for role, seconds in sorted(cpu.items())},
        # the JVM's heap (jstat): what it uses against what it has committed (its RSS)
        "jvm_heap": heap,
        "batches": len(batches),
        "batch_s_mean": round(m, 3) if (m := mean(seconds)) is not None else None,
        "batch_s_max": max(seconds, default=None),
        "busy_share": round(sum(seconds) / (end - start), 3),
        "records_in": sum(b["records"] for b in batches),
        "events_produced": produced,
        "offsets_behind_max": max(behind, default=None),
        "sink_steps_s_mean": job.sink_steps_between(start, end),
        "state_mib": round(state[0] / MIB, 2),
        "state_files": state[1],
        "checkpoint_mib": round(checkpoint[0] / MIB, 2),
        "checkpoint_files": checkpoint[1],
        "ledger_kib": round(ledger[0] / 1024, 1),
        "spark_local_mib": round(scratch[0] / MIB, 1),
        "lake_files": len(files),
        "files_per_partition_hour_max": current,
        "files_per_partition_hour_bound": 3600 // trigger,
    }


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
        _create_tables(glue, workdir / "lake", workdir / "lake" / "quarantine")
        env = {
            **os.environ,
            # the Glue catalog on moto's server; the lake stays on local disk (no S3 endpoint)
            **{k: v for k, v in aws.env.items() if k != "VTS_S3_ENDPOINT"},
            "VTS_HOME": str(workdir / "home"),
            "SPARK_LOCAL_DIRS": str(workdir / "spark-local"),
        }
        argv = _job_argv(bootstrap, prefix, workdir, options.trigger_seconds)
        ctx.say(f"soak: starting the job ({workdir})")
        job = JobProcess(argv, env, workdir / "job.log")
        fresh = Freshness()
        producer = FleetProducer(bootstrap, prefix, options, fresh)
        watcher = LakeWatcher(workdir / "lake", workdir / "checkpoint", glue, producer, fresh)
        samples: list[dict[str, Any]] = []
        try:
            job.wait_started(START_TIMEOUT_S)
            producer.start()
            while producer.began is None:
                if not producer.is_alive():
                    raise RuntimeError(f"the producer stopped: {producer.error}")
                time.sleep(0.1)
            watcher.start()
            began = producer.began
            ctx.say(
                f"soak: {options.vehicles} vehicles in real time, trigger "
                f"{options.trigger_seconds}s, for {minutes} min"
            )
            for minute in range(minutes):
                end = began + (minute + 1) * SAMPLE_S
                while time.time() < end:
                    if job.process.poll() is not None:
                        raise RuntimeError(f"the job exited ({job.process.returncode}): {job.log}")
                    if not producer.is_alive() or not watcher.is_alive():
                        raise RuntimeError(f"producer: {producer.error}; watcher: {watcher.error}")
                    time.sleep(min(1.0, max(0.0, end - time.time())))
                row = _sample(
                    minute, end - SAMPLE_S, end, job, producer, workdir, options.trigger_seconds
                )
                samples.append(row)
                ctx.say(
                    f"soak minute {minute}: rss {row['rss_total_mib']} MiB, "
                    f"{row['batches']} batches, mean {row['batch_s_mean']}s, busy "
                    f"{row['busy_share']}, state {row['state_mib']} MiB, load "
                    f"{row['load_average'][0]}, freshness samples {len(fresh.samples)}"
                )
            producer.stop.set()
            producer.join(60)
            drained = _drain(producer, fresh)
            watcher.stop.set()
            watcher.join(30)
            job.kill()
            ctx.say("soak: catching up with --available_now, then the verdict")
            final = JobProcess(
                _job_argv(bootstrap, prefix, workdir, options.trigger_seconds, True),
                env,
                workdir / "catch-up.log",
            )
            code = final.process.wait(timeout=900)
            final.kill()
            if code != 0:
                raise RuntimeError(f"the catch-up run failed ({code}): {final.log}")
            verdict = _verdict(workdir, producer)
        finally:
            producer.stop.set()
            watcher.stop.set()
            job.kill()
    return _result(options, minutes, samples, producer, watcher, fresh, job, verdict, drained)


def _drain(producer: FleetProducer, fresh: Freshness) -> bool:
    """Wait until every produced window's sample is in (or ``DRAIN_TIMEOUT_S`` passed)."""
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        with producer.lock:
            if fresh.waiting == 0:
                return True
        time.sleep(0.5)
    return False


def _verdict(workdir: Path, producer: FleetProducer) -> dict[str, Any]:
    """``vts chaos``'s verdict over the whole lake: produced ids against what readers see."""
    import numpy as np

    from vts.chaos.lake import read_lake
    from vts.chaos.verdict import judge

    lake = workdir / "lake"
    with producer.lock:
        truth = {
            table: set(np.concatenate(parts).astype(str).tolist())
            for table, parts in producer.truth.items()
        }
    view = read_lake(str(lake), str(lake / "quarantine"), str(workdir / "checkpoint"))
    verdict = judge(truth, view)
    found = verdict.as_dict()
    found["summary"] = verdict.summary()
    return found


def _result(
    options: SoakOptions,
    minutes: int,
    samples: list[dict[str, Any]],
    producer: FleetProducer,
    watcher: LakeWatcher,
    fresh: Freshness,
    job: JobProcess,
    verdict: dict[str, Any],
    drained: bool,
) -> dict[str, Any]:
    _cpu_per_minute(samples)
    growth = growth_check(samples, GROWTH_FIGURES, minutes)
    # the same check on the job's CPU seconds per batch: its work, which the shared
    # machine's load does not stretch as it stretches the batch's wall time
    growth_cpu = growth_check(samples, ("cpu_s_per_batch",), minutes)
    warm = (producer.began or 0.0) + SAMPLE_S  # the first minute is the job's warm-up
    steady = sorted(
        (s for s in fresh.samples.values() if s["produced"] >= warm), key=lambda s: s["produced"]
    )
    seconds = [s["seconds"] for s in steady]
    batches = sorted(
        (b for b in watcher.batches.values() if "planned" in b), key=lambda b: b["planned"]
    )
    parts = [p for s in steady if (p := breakdown(s, batches)) is not None]

    def spread(name: str) -> dict[str, float | None]:
        values = [p[name] for p in parts]
        return {
            "p50": _round(percentile(values, 0.5)),
            "p95": _round(percentile(values, 0.95)),
            "mean": _round(mean(values)),
        }

    all_batches = job.batches
    busy = sum(b["seconds"] for b in all_batches)
    wall = (all_batches[-1]["at"] - all_batches[0]["at"]) if len(all_batches) > 1 else 0.0
    hours = samples[-1]["files_per_partition_hour_max"] if samples else {}
    return {
        "what": "the Glue job script on local[2], a steady fleet in real time for "
        f"{minutes} min; per-minute memory, batches, state, files; growth check; "
        "freshness produced -> visible and registered (Glue catalog on moto); chaos verdict",
        "options": options.__dict__,
        "events_per_s": round(producer.events / max(1, producer.windows), 1),
        "events": producer.events,
        "windows": producer.windows,
        "late_windows": producer.late,
        "batches": len(all_batches),
        "busy_share": round(busy / wall, 3) if wall else None,
        "growth": growth,
        "growth_cpu_per_batch": growth_cpu,
        "freshness": {
            "samples": len(seconds),
            "p50_s": _round(percentile(seconds, 0.5)),
            "p95_s": _round(percentile(seconds, 0.95)),
            "max_s": _round(max(seconds, default=None)),
            "target_p95_s": options.trigger_seconds + 2,
            "all_in": drained,
            "breakdown": {
                "samples": len(parts),
                **{n: spread(n) for n in ("trigger_wait_s", "compute_s", "publish_s")},
                "register_s": spread("register_s"),
                "registered_after_visible": sum(1 for p in parts if p["register_s"] > 0),
            },
            "note": "a sample is one produced second of the fleet: from its delivery to "
            "the broker until the watcher (every 0.25 s) saw every one of its events in a "
            "published file and the Glue catalog (moto) listed their partitions; the first "
            "minute is left out (the job's warm-up)",
        },
        "files_per_partition_hour": {
            "max_by_table": hours,
            "bound": 3600 // options.trigger_seconds,
            "note": "one file per table partition per micro-batch; a partition-hour that is "
            "still being written holds fewer",
        },
        "verdict": verdict,
        "per_minute": samples,
        "glue_calls_by_watcher": watcher.glue_calls,
    }


def _cpu_per_minute(samples: list[dict[str, Any]]) -> None:
    """Each sample's CPU seconds in its minute, and per batch (from the running totals)."""
    before = 0.0
    for row in samples:
        total = sum(row["cpu_s"].values())
        row["cpu_s_minute"] = round(total - before, 1)
        row["cpu_s_per_batch"] = (
            round(row["cpu_s_minute"] / row["batches"], 2) if row["batches"] else None
        )
        before = total


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def run(ctx: BenchContext) -> dict[str, Any]:
    minutes = ctx.minutes or (QUICK_MINUTES if ctx.quick else 60.0)
    result = soak(ctx, SoakOptions(minutes=minutes))
    _say_result(ctx, result)
    return result


def _say_result(ctx: BenchContext, result: dict[str, Any]) -> None:
    growth = result["growth"]
    fresh = result["freshness"]
    ctx.say(
        f"soak: growth {'bounded' if growth['bounded'] else 'NOT bounded'} "
        f"(grew: {growth['grew'] or 'none'}; not judged: {growth['not_judged'] or 'none'}); "
        f"freshness p50 {fresh['p50_s']}s p95 {fresh['p95_s']}s over {fresh['samples']}; "
        f"verdict {result['verdict']['summary']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: python -m bench.bench_soak --minutes 60 --out bench/results/soak.json",
    )
    parser.add_argument("--minutes", type=float, default=60.0, help="length (default 60)")
    parser.add_argument("--trigger", type=int, default=10, help="the job's trigger, seconds")
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
            _say_result(ctx, result)
        finally:
            ctx.close()
    document["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    document["load_average_at_finish"] = [round(x, 2) for x in os.getloadavg()]
    document["results"] = {"soak": result}
    text = json.dumps(document, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
