"""The live benchmark's reading of the server's ``INFO commandstats``."""

from __future__ import annotations

from bench.bench_live import _median_at, _server_commands, _server_usec

STATS = {
    "cmdstat_evalsha": {"calls": 4, "usec": 9_000},
    "cmdstat_zadd": {"calls": 1_200, "usec": 3_000},
    "cmdstat_hset": {"calls": 8, "usec": 500},
    "cmdstat_info": {"calls": 3, "usec": 70},
    "cmdstat_config|resetstat": {"calls": 1, "usec": 5},
}


def test_commands_count_the_scripts_calls_not_the_scripts_or_the_benchmarks_own() -> None:
    assert _server_commands(STATS) == 1_208


def test_server_time_per_record_by_command_biggest_first() -> None:
    assert _server_usec(STATS, 1_000) == {"evalsha": 9.0, "zadd": 3.0, "hset": 0.5}


def test_the_median_pass_is_found_by_its_index() -> None:
    assert _median_at([3.0, 1.0, 2.0]) == 2
    assert _median_at([5.0, 1.0, 4.0, 2.0]) == 2
