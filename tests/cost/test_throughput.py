"""The streaming job is sized from the speed ``make bench`` recorded, with headroom."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from bench.state import eviction_scan
from vts.cost.model import estimate
from vts.cost.throughput import (
    DEFAULT_WATERMARK_SECONDS,
    REPLAY_HEADROOM,
    STREAMING_JOB,
    Throughput,
    streaming_workers,
)
from vts.cost.workload import PRESETS
from vts.exceptions import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_the_figure_is_the_recorded_benchmarks() -> None:
    recorded = json.loads((REPO / STREAMING_JOB.source).read_text())
    size = recorded["results"]["job"]["sizes"]["1.2M"]
    assert recorded["machine"]["cpus"] == STREAMING_JOB.cores
    assert STREAMING_JOB.events_per_core_second == pytest.approx(
        size["events_per_s"] / STREAMING_JOB.cores
    )
    scans = [eviction_scan(p["dedup_state"]["per_batch"]) for p in size["pairs"]]
    assert STREAMING_JOB.scan_core_seconds_per_key == pytest.approx(
        statistics.median(s["scan_us_per_key"] for s in scans) / 1e6
    )
    assert STREAMING_JOB.scans_per_key_measured == statistics.median(
        s["scans_per_key"] for s in scans
    )


def test_a_full_dedup_state_slows_the_job_by_its_reads() -> None:
    job = Throughput(
        events_per_core_second=20_000,
        source="test",
        scan_core_seconds_per_key=1e-6,
        scans_per_key_measured=2.0,
    )
    # 60 s batches, 10 min watermark: each key is read by 600 / 60 + 1 = 11 evictions,
    # 9 more than in the benchmark: 50 us + 9 us per event
    assert job.at_steady_state(60, 600) == pytest.approx(1 / 59e-6)
    assert job.at_steady_state(60, 30) == pytest.approx(20_000)  # no more reads than measured
    slow = streaming_workers(50_000, "G.1X", throughput=job, watermark_seconds=3600)
    assert slow > streaming_workers(50_000, "G.1X", throughput=job, watermark_seconds=60)


def test_workers_grow_with_the_event_rate_and_keep_the_headroom() -> None:
    fast = Throughput(events_per_core_second=10_000, source="test")
    assert streaming_workers(100, "G.025X", throughput=fast) == 2  # Glue's minimum
    # 20,000 events/s x 3 = 60,000 -> 6 vCPUs -> 2 G.025X executors + the driver's worker
    assert streaming_workers(20_000, "G.025X", throughput=fast) == 4
    assert streaming_workers(20_000, "G.1X", throughput=fast) == 3
    assert streaming_workers(20_000, "G.1X", throughput=fast, headroom=1.0) == 2


def test_a_fleet_costs_more_glue_when_the_job_is_slower() -> None:
    fleet = PRESETS["fleet-10k"]
    workers = fleet.streaming_workers
    per_core = STREAMING_JOB.at_steady_state(fleet.trigger_seconds, fleet.watermark_seconds)
    needed = fleet.events_per_hour / 3600 * REPLAY_HEADROOM / per_core
    assert (workers - 1) * 4 >= needed > (workers - 2) * 4  # G.1X: 4 vCPUs each
    fixed = estimate(replace(fleet, glue_workers=workers + 2))
    assert fixed.hourly > estimate(fleet).hourly


def test_fewer_than_two_workers_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        replace(PRESETS["demo"], glue_workers=1)
    with pytest.raises(ConfigError):
        streaming_workers(10, "G.9X")


def test_the_default_watermark_is_the_jobs() -> None:
    from vts.stream.args import JobArgs

    number, unit = JobArgs.__dataclass_fields__["watermark"].default.split()
    assert unit.rstrip("s") == "minute"  # the job's default is written in minutes
    assert DEFAULT_WATERMARK_SECONDS == int(number) * 60
