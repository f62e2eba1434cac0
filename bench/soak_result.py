"""The soak's result: the chaos verdict over the whole lake, the growth checks, the
freshness and where its time went, files per partition-hour, and every minute's row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.soak import Freshness, breakdown, growth_check, mean, percentile
from bench.soak_processes import FleetProducer, JobProcess, LakeWatcher, SoakOptions
from bench.soak_sample import SAMPLE_S, cpu_per_minute

GROWTH_FIGURES = (
    "rss_total_mib",
    "rss_python_driver_mib",
    "rss_jvm_mib",
    "rss_jvm_beyond_heap_mib",
    "jvm_native_tracked_mib",
    "jvm_native_untracked_mib",
    "rss_python_workers_mib",
    "batch_s_mean",
)


def lake_verdict(workdir: Path, producer: FleetProducer) -> dict[str, Any]:
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


def judge_growth(
    samples: list[dict[str, Any]], minutes: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The growth check over the run's per-minute samples; the same check on the job's
    CPU seconds per batch (its work, which the shared machine's load does not stretch as
    it stretches the batch's wall time); and on a batch's wall and CPU seconds in probes
    (``bench.machine_speed``), beside the probe's own CPU milliseconds: a batch time that
    grew only as much as the probe did is the machine slowing down, not the job."""
    at_speed = growth_check(samples, ("batch_s_in_probes", "cpu_per_batch_in_probes"), minutes)
    at_speed["machine"] = growth_check(samples, ("probe_cpu_ms",), minutes)["figures"]
    return (
        growth_check(samples, GROWTH_FIGURES, minutes),
        growth_check(samples, ("cpu_s_per_batch",), minutes),
        at_speed,
    )


def assemble(
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
    cpu_per_minute(samples)
    growth, growth_cpu, growth_at_speed = judge_growth(samples, minutes)
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
        "growth_at_machine_speed": growth_at_speed,
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


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def say_result(ctx: BenchContext, result: dict[str, Any]) -> None:
    growth = result["growth"]
    fresh = result["freshness"]
    failed = result.get("job_failed")
    if failed:
        ctx.say(
            f"soak: the job DIED in minute {failed['minute']} (exit {failed['returncode']}): "
            f"{failed['error']}; the figures below cover the minutes before, the verdict the "
            f"restart (log: {failed['log']})"
        )
    at_speed = result["growth_at_machine_speed"]
    probe = at_speed["machine"].get("probe_cpu_ms", {})
    ctx.say(
        f"soak: growth {'bounded' if growth['bounded'] else 'NOT bounded'} "
        f"(grew: {growth['grew'] or 'none'}; not judged: {growth['not_judged'] or 'none'}); "
        f"at the machine's speed {'bounded' if at_speed['bounded'] else 'NOT bounded'} "
        f"(grew: {at_speed['grew'] or 'none'}; the probe x{probe.get('ratio')}); "
        f"freshness p50 {fresh['p50_s']}s p95 {fresh['p95_s']}s over {fresh['samples']}; "
        f"verdict {result['verdict']['summary']}"
    )
