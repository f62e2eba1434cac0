"""The soak benchmark's pure parts: the job's log lines, /proc, the lake's shape, the growth
check and the freshness record."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bench.machine_speed import SpeedProbe, steal_seconds
from bench.memory import cpu_ticks, jstat_heap, nmt_committed, vm_rss
from bench.soak import (
    BatchLine,
    Freshness,
    SinkLine,
    breakdown,
    files_per_partition_hour,
    folder_bytes,
    growth_check,
    parse_metrics_line,
    parse_sink_line,
    percentile,
    windows_of,
)
from bench.soak_result import judge_growth
from bench.soak_sample import cpu_per_minute

METRICS = (
    "2026-12-06 05:50:01,123 INFO vts.stream.metrics: batch 41: 20310 records in, 20310 "
    "rows written, 0 quarantined, 5 files, 3.48s, max offsets behind latest 0"
)


def test_the_metrics_line_gives_the_batch_its_seconds_and_lag() -> None:
    assert parse_metrics_line(METRICS) == BatchLine(41, 20310, 5, 3.48, 0)
    unknown = METRICS.replace("latest 0", "latest unknown")
    assert parse_metrics_line(unknown) == BatchLine(41, 20310, 5, 3.48, None)
    phases = METRICS + " (addBatch 3.10s, latestOffset 0.02s, walCommit 0.05s)"
    assert parse_metrics_line(phases) == BatchLine(
        41, 20310, 5, 3.48, 0, phases={"addBatch": 3.1, "latestOffset": 0.02, "walCommit": 0.05}
    )
    assert parse_metrics_line(METRICS + " (no phases)") == BatchLine(41, 20310, 5, 3.48, 0)
    assert parse_metrics_line("INFO vts.stream.sink: batch 41: 20310 events") is None


def test_the_metrics_line_as_the_job_logs_it_gives_the_states_eviction(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from vts.stream.metrics import BatchMetrics, LogMetrics

    caplog.set_level("INFO", logger="vts.stream.metrics")
    state = {"evict": 1.25, "update": 0.3, "commit": 0.05}
    for batch, with_state in ((3, state), (4, {})):
        LogMetrics().publish(
            BatchMetrics(batch, 900, 900, 0, 2, 1.6, {"max": 0.0}, {"addBatch": 1.5}, with_state)
        )
    with_evict, without = (f"INFO vts.stream.metrics: {r.getMessage()}" for r in caplog.records)
    phases = {"addBatch": 1.5}
    assert parse_metrics_line(with_evict) == BatchLine(3, 900, 2, 1.6, 0, 1.25, phases)
    assert parse_metrics_line(without) == BatchLine(4, 900, 2, 1.6, 0, None, phases)


def test_the_sink_line_gives_its_share_and_its_steps() -> None:
    line = "05:50:01 INFO vts.stream.sink: batch 7: 1999 events, 2 quarantined, 4 files in 2.9s"
    assert parse_sink_line(line) == SinkLine(7, 2.9, {})
    steps = " (spark job 2.41s, combine 0.20s, catalog 0.00s, publish 0.05s, clean-up 0.01s)"
    assert parse_sink_line(line + steps) == SinkLine(
        7,
        2.9,
        {"spark job": 2.41, "combine": 0.2, "catalog": 0.0, "publish": 0.05, "clean-up": 0.01},
    )
    assert parse_sink_line(METRICS) is None


def test_resident_memory_is_read_from_proc_status() -> None:
    status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  123456 kB\nThreads:\t80\n"
    assert vm_rss(status) == 123456 * 1024
    assert vm_rss("Name:\tzombie\nState:\tZ (zombie)\n") == 0
    assert vm_rss(Path("/proc/self/status").read_text()) > 1024 * 1024


def test_cpu_ticks_are_read_from_proc_stat_whatever_the_command_name() -> None:
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime ...
    stat = "42 (py) thon (x)) S 1 42 42 0 -1 4194304 10 0 0 0 150 25 7 3 20 0 1 0"
    assert cpu_ticks(stat) == 150 + 25 + 7 + 3
    assert cpu_ticks(Path("/proc/self/stat").read_text()) >= 0


def test_the_jvm_heap_is_read_from_jstat() -> None:
    text = (
        "    S0C    S1C    S0U    S1U      EC       EU        OC         OU       MC     MU    "
        "CCSC   CCSU   YGC     YGCT    FGC    FGCT     CGC    CGCT     GCT   \n"
        "   0.0 13312.0   0.0 13312.0 454656.0 382976.0  295936.0   295448.5 126016.0 124836.1 "
        "16448.0 15930.4     41    4.204     1    0.300    30    2.048    6.552\n"
    )
    assert jstat_heap(text) == {
        "heap_used_mib": round((13312.0 + 382976.0 + 295448.5) / 1024, 1),
        "heap_committed_mib": round((13312.0 + 454656.0 + 295936.0) / 1024, 1),
        "old_used_mib": 288.5,
        "metaspace_mib": 121.9,
        "full_gcs": 1,
    }


def test_the_jvm_native_memory_is_read_from_native_memory_tracking() -> None:
    text = """12345:

Native Memory Tracking:

(Omitting categories weighting less than 1KB)

Total: reserved=4363012KB, committed=2581436KB
       malloc: 97310KB #301542
       mmap:   reserved=4265702KB, committed=2484126KB

-                 Java Heap (reserved=2097152KB, committed=2097152KB)
                            (mmap: reserved=2097152KB, committed=2097152KB)

-                     Class (reserved=1056870KB, committed=15846KB)
                            (classes #20158)
                            (malloc=2150KB #64069)

-                    Thread (reserved=231422KB, committed=24850KB)
                            (thread #225)
"""
    assert nmt_committed(text) == {
        "Total": round(2581436 / 1024, 1),
        "Java Heap": 2048.0,
        "Class": round(15846 / 1024, 1),
        "Thread": round(24850 / 1024, 1),
    }
    assert nmt_committed("12345:\nNative memory tracking is not enabled\n") == {}


def test_folder_bytes_counts_files_below_and_a_missing_folder_is_empty(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "x").write_bytes(b"12345")
    (tmp_path / "a" / "b" / "y").write_bytes(b"123")
    assert folder_bytes(tmp_path) == (8, 2)
    assert folder_bytes(tmp_path / "nothing") == (0, 0)


def test_files_are_counted_per_table_partition_hour_and_staging_is_not() -> None:
    files = [
        ("gps_data", "dt=2026-12-06/hr=05/b0000000001-ab-gps_data-2026-12-06-05-000.parquet"),
        ("gps_data", "dt=2026-12-06/hr=05/b0000000002-ab-gps_data-2026-12-06-05-000.parquet"),
        ("gps_data", "dt=2026-12-06/hr=06/b0000000003-ab-gps_data-2026-12-06-06-000.parquet"),
        ("gps_data", "_staging/ab/b0000000004/gps_data/dt=2026-12-06/hr=06/part-00000.parquet"),
        ("weather_data", "dt=2026-12-06/hr=05/b0000000001-ab-weather_data-x.parquet"),
        ("weather_data", "dt=2026-12-06/hr=05/_SUCCESS"),
    ]
    assert files_per_partition_hour(files) == {
        "gps_data": {"dt=2026-12-06/hr=05": 2, "dt=2026-12-06/hr=06": 1},
        "weather_data": {"dt=2026-12-06/hr=05": 1},
    }


def test_the_growth_windows_are_minutes_10_to_20_and_the_last_10_of_an_hour_or_more() -> None:
    assert windows_of(60) == ((10, 20), (50, 60))
    assert windows_of(120) == ((10, 20), (110, 120))
    assert windows_of(3) == ((1, 2), (2, 3))
    assert windows_of(12) == ((2, 4), (10, 12))


def _minutes(memory: list[float], batch: Sequence[float | None]) -> list[dict[str, object]]:
    return [
        {"minute": m, "rss_total_mib": memory[m], "batch_s_mean": batch[m]}
        for m in range(len(memory))
    ]


def test_growth_within_ten_percent_is_bounded() -> None:
    memory = [900.0] * 10 + [1000.0] * 10 + [1040.0] * 30 + [1090.0] * 10
    batch = [3.0] * 50 + [3.2] * 10
    judged = growth_check(_minutes(memory, batch), ["rss_total_mib", "batch_s_mean"], 60)
    assert judged["bounded"] is True and judged["grew"] == []
    assert judged["figures"]["rss_total_mib"] == {
        "baseline": 1000.0,
        "last": 1090.0,
        "ratio": 1.09,
        "grew": False,
        "profile": [900.0, 1000.0, 1040.0, 1040.0, 1040.0, 1090.0],
        "second_half_per_hour": pytest.approx(133.48, abs=0.01),
    }


def test_a_figure_that_filled_and_stopped_shows_it_in_its_profile_and_trend() -> None:
    """The growth check flags a fill that ends after minute 10; the profile and the second
    half's slope show it stopped, where a steady climb keeps its slope."""
    filled = [100.0 + 5 * min(m, 30) for m in range(120)]
    climbing = [100.0 + 2 * m for m in range(120)]
    samples = [{"minute": m, "filled": filled[m], "climbing": climbing[m]} for m in range(120)]
    judged = growth_check(samples, ["filled", "climbing"], 120)
    assert judged["grew"] == ["filled", "climbing"]
    assert judged["figures"]["filled"]["second_half_per_hour"] == 0.0
    assert judged["figures"]["filled"]["profile"][3:] == [250.0] * 9
    assert judged["figures"]["climbing"]["second_half_per_hour"] == pytest.approx(120.0)


def test_a_figure_that_grows_more_than_ten_percent_is_named() -> None:
    memory = [1000.0] * 60
    batch = [3.0] * 20 + [float(3 + (m - 20) * 0.05) for m in range(20, 60)]
    judged = growth_check(_minutes(memory, batch), ["rss_total_mib", "batch_s_mean"], 60)
    assert judged["bounded"] is False
    assert judged["grew"] == ["batch_s_mean"]
    assert judged["figures"]["batch_s_mean"]["ratio"] == pytest.approx(4.725 / 3, abs=0.001)


def test_a_figure_without_values_in_a_window_is_not_judged_and_not_bounded() -> None:
    batch: list[float | None] = [3.0] * 10 + [None] * 10 + [3.0] * 40
    judged = growth_check(_minutes([1000.0] * 60, batch), ["batch_s_mean"], 60)
    assert judged["not_judged"] == ["batch_s_mean"] and judged["bounded"] is False


def _speed_minutes(probe_ms: Sequence[float], batch_cpu: Sequence[float]) -> list[dict[str, Any]]:
    """An hour of rows as the soak samples them: running CPU totals of 12 batches a
    minute, each costing ``batch_cpu[m]``, the probe at ``probe_ms[m]``, steal at 1 s/min."""
    rows: list[dict[str, Any]] = []
    total = 0.0
    for m in range(60):
        total += 12 * batch_cpu[m]
        rows.append(
            {
                "minute": m,
                "cpu_s": {"jvm": total},
                "batches": 12,
                "batch_s_mean": batch_cpu[m] / 2,
                "probe_cpu_ms": probe_ms[m],
                "steal_s": 100.0 + m,
            }
        )
    return rows


def test_a_batch_that_grew_only_as_the_probe_did_is_bounded_at_the_machines_speed() -> None:
    """The soak of 16:07: from minute 33 every process took 40 % more CPU for the same work.
    The plain checks flag it; the check in probes does not, and shows the probe's growth."""
    slower = [66.0] * 33 + [66.0 * 1.4] * 27
    rows = _speed_minutes(slower, [1.8 * p / 66.0 for p in slower])
    cpu_per_minute(rows)
    assert rows[1]["steal_s_minute"] == 1.0 and rows[0]["steal_s_minute"] is None
    assert rows[59]["cpu_per_batch_in_probes"] == pytest.approx(1.8 / 0.066, abs=0.01)
    growth, growth_cpu, at_speed = judge_growth(rows, 60)
    assert growth["grew"] == ["batch_s_mean"] and growth_cpu["grew"] == ["cpu_s_per_batch"]
    assert at_speed["bounded"] is True
    assert at_speed["machine"]["probe_cpu_ms"]["ratio"] == pytest.approx(1.4)


def test_a_batch_that_got_dearer_on_a_steady_machine_is_not_bounded_in_probes() -> None:
    climbing = [1.8 + 0.02 * m for m in range(60)]
    rows = _speed_minutes([66.0] * 60, climbing)
    cpu_per_minute(rows)
    _, _, at_speed = judge_growth(rows, 60)
    assert at_speed["grew"] == ["batch_s_in_probes", "cpu_per_batch_in_probes"]
    assert at_speed["bounded"] is False


def test_a_minutes_speed_is_the_mean_of_the_probes_run_in_it() -> None:
    probe = SpeedProbe()
    probe.runs = [(100.0, 60.0), (110.0, 70.0), (159.9, 50.0), (160.0, 90.0)]
    assert probe.mean_ms(100.0, 160.0) == 60.0
    assert probe.mean_ms(160.0, 220.0) == 90.0
    assert probe.mean_ms(220.0, 280.0) is None  # no run ended in that minute


def test_the_samples_of_a_minute_are_those_of_the_windows_produced_in_it() -> None:
    fresh = Freshness()
    for window, produced in enumerate((59.9, 60.0, 119.9, 120.0)):
        fresh.samples[window] = {"produced": produced, "seconds": float(window)}
    assert fresh.seconds_produced_between(60.0, 120.0) == [1.0, 2.0]


def test_steal_is_read_from_proc_stat(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  6229319 166960 445164 4632107 17050 0 65478 65875 0 0\ncpu0 1 2\n")
    assert steal_seconds(stat) == pytest.approx(65875 / os.sysconf("SC_CLK_TCK"), abs=0.01)
    assert steal_seconds(tmp_path / "missing") is None


def test_percentiles_interpolate() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.95) == pytest.approx(95.05)
    assert percentile([], 0.5) is None


def test_a_window_is_fresh_once_all_its_events_are_published_and_registered() -> None:
    fresh = Freshness()
    fresh.produced(0, 100.0, {"gps_data": ["a", "b"], "vehicle_data": ["c"]})
    fresh.produced(1, 101.0, {"gps_data": ["d"]})
    fresh.seen("gps_data", "2026-12-06", "05", ["a", "b", "d", "not-ours"], 111.0)
    assert fresh.samples == {}  # window 0 still misses "c"; window 1 waits for the catalog
    assert fresh.pending_partitions() == {("gps_data", "2026-12-06", "05")}
    fresh.registered(("gps_data", "2026-12-06", "05"), 112.0)
    assert fresh.samples[1]["seconds"] == pytest.approx(11.0)
    fresh.seen("vehicle_data", "2026-12-06", "05", ["c"], 113.0)
    assert 0 not in fresh.samples and fresh.waiting == 1
    fresh.registered(("vehicle_data", "2026-12-06", "05"), 113.5)
    assert fresh.samples[0]["seconds"] == pytest.approx(13.5)
    assert fresh.waiting == 0


def test_a_window_in_a_registered_partition_is_fresh_when_visible() -> None:
    fresh = Freshness()
    fresh.registered(("gps_data", "2026-12-06", "05"), 50.0)
    fresh.produced(3, 100.0, {"gps_data": ["a"]})
    fresh.seen("gps_data", "2026-12-06", "05", ["a"], 104.0)
    assert fresh.samples[3] == {
        "produced": 100.0,
        "visible": 104.0,
        "registered": 50.0,
        "seconds": 4.0,
    }


def test_the_breakdown_follows_the_first_batch_planned_after_production() -> None:
    batches = [
        {"batch": 4, "planned": 90.0, "publishing": 93.0},
        {"batch": 5, "planned": 100.0, "publishing": 103.0},
        {"batch": 6, "planned": 110.0, "publishing": 113.0},
    ]
    sample = {"produced": 96.0, "visible": 103.5, "registered": 104.0, "seconds": 8.0}
    assert breakdown(sample, batches) == {
        "batch": 5,
        "trigger_wait_s": 4.0,
        "compute_s": 3.0,
        "publish_s": 0.5,
        "register_s": 0.5,
    }
    # its events went to a later batch (produced as the batch read its offsets): not told
    assert breakdown({**sample, "visible": 102.0}, batches) is None
    assert breakdown({**sample, "produced": 111.0}, batches) is None


def test_a_dead_job_is_recorded_with_the_first_exception_its_log_names(tmp_path: Path) -> None:
    from bench.soak import job_failure

    log = tmp_path / "job.log"
    log.write_text(
        "2026-12-06 16:04:59,001 INFO vts.stream.metrics: batch 709: 7991 records in\n"
        "16:05:00 ERROR Executor: Exception in task 3.0 in stage 2153.0 (TID 7175)\n"
        "org.rocksdb.RocksDBException: Insert failed due to LRU cache being full.\n"
        "\tat org.rocksdb.RocksDB.get(Native Method) ~[rocksdbjni-8.3.2.jar:?]\n"
        "py4j.protocol.Py4JJavaError: An error occurred while calling o63069.collectToPython.\n"
    )
    assert job_failure(log, 59, 1) == {
        "minute": 59,
        "returncode": 1,
        "error": "org.rocksdb.RocksDBException: Insert failed due to LRU cache being full.",
        "log": str(log),
    }
    log.write_text("2026-12-06 16:04:59,001 INFO vts.stream.metrics: batch 709\n")
    assert job_failure(log, 3, -9)["error"] == "no exception in the log"
