"""The soak's per-minute row: the job's memory and CPU by role, the batches that ended in
the minute, the checkpoint's, state's and scratch folder's sizes, files per
partition-hour, the load average; and each minute's share of the CPU seconds."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine_speed import SpeedProbe, steal_seconds
from bench.memory import cpu_by_role, jvm_heap, jvm_native, pids_by_role, rss_by_role
from bench.soak import files_per_partition_hour, folder_bytes, mean
from bench.soak_processes import FleetProducer, JobProcess, parquet_files

SAMPLE_S = 60.0
MIB = 1024 * 1024


def sample(
    minute: int,
    start: float,
    end: float,
    job: JobProcess,
    producer: FleetProducer,
    workdir: Path,
    trigger: int,
    speed: SpeedProbe,
) -> dict[str, Any]:
    from vts.contract.topics import TOPIC_NAMES

    rss = rss_by_role(job.process.pid)
    cpu = cpu_by_role(job.process.pid)
    jvms = pids_by_role(job.process.pid).get("jvm", [])
    heap = jvm_heap(jvms[0]) if jvms else None
    native = jvm_native(jvms[0]) if jvms else None
    jvm_rss = rss.get("jvm", 0) / MIB
    batches = job.batches_between(start, end)
    seconds = [b["seconds"] for b in batches]
    behind = [b["behind"] for b in batches if b["behind"] is not None]
    evict = mean([b["evict_s"] for b in batches if b["evict_s"] is not None])
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
        # the machine's speed this minute (bench.machine_speed): a fixed work's mean CPU
        # milliseconds, and the hypervisor's steal so far (the minute's: the difference)
        "probe_cpu_ms": speed.mean_ms(start, end),
        "steal_s": steal_seconds(),
        "rss_python_driver_mib": round(rss.get("python_driver", 0) / MIB, 1),
        "rss_jvm_mib": round(rss.get("jvm", 0) / MIB, 1),
        "rss_python_workers_mib": round(rss.get("python_workers", 0) / MIB, 1),
        "rss_total_mib": round(sum(rss.values()) / MIB, 1),
        # the JVM's resident memory beyond its committed heap: its native memory (the
        # streaming job's heap is wholly resident from the start: vts.spark.session's
        # LONG_RUNNING_ENV), where RocksDB and malloc's arenas live
        "rss_jvm_beyond_heap_mib": (
            round(jvm_rss - heap["heap_committed_mib"], 1) if heap else None
        ),
        # of that, what the JVM's Native Memory Tracking counts (metaspace, threads, GC,
        # code, direct buffers: committed, less the heap), and what it cannot see (the
        # rest of the resident memory: RocksDB's and other native libraries' malloc)
        "jvm_native_tracked_mib": (
            round(native["Total"] - native.get("Java Heap", 0.0), 1) if native else None
        ),
        "jvm_native_untracked_mib": round(jvm_rss - native["Total"], 1) if native else None,
        "jvm_nmt_committed_mib": native,
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
        # the dedup state's eviction of the minute's batches (task seconds, mean): Spark
        # reads every key of the state for it, so it follows the state's size
        "state_evict_s_mean": None if evict is None else round(evict, 3),
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


def cpu_per_minute(samples: list[dict[str, Any]]) -> None:
    """Each sample's CPU seconds in its minute, and per batch (from the running totals);
    its steal seconds in the minute; and a batch's wall and CPU seconds in probes (the
    minute's ``probe_cpu_ms``): what a batch costs at the machine's speed of the minute."""
    before = 0.0
    steal_before = None
    for row in samples:
        total = sum(row["cpu_s"].values())
        row["cpu_s_minute"] = round(total - before, 1)
        row["cpu_s_per_batch"] = (
            round(row["cpu_s_minute"] / row["batches"], 2) if row["batches"] else None
        )
        before = total
        steal = row.get("steal_s")
        row["steal_s_minute"] = (
            round(steal - steal_before, 2)
            if steal is not None and steal_before is not None
            else None
        )
        steal_before = steal
        probe_s = (row.get("probe_cpu_ms") or 0) / 1000
        for figure, name in (
            ("batch_s_mean", "batch_s_in_probes"),
            ("cpu_s_per_batch", "cpu_per_batch_in_probes"),
        ):
            value = row.get(figure)
            row[name] = round(value / probe_s, 2) if value is not None and probe_s else None
