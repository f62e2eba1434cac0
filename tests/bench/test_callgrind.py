"""The benchmarks' instruction counter on a real redis-server under valgrind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import callgrind

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not callgrind.available(), reason="valgrind is not installed"),
]


def _count(tmp_path: Path, writes: int) -> int:
    import redis

    server = callgrind.CountedRedis(tmp_path)
    try:
        client = redis.Redis.from_url(server.url)
        client.set("uncounted", "x" * 10_000)  # outside counting(): not in the count
        with server.counting():
            pipe = client.pipeline(transaction=False)
            for i in range(writes):
                pipe.set(f"k{i}", "v")
            pipe.execute()
        client.mset({f"u{i}": "v" for i in range(writes * 10)})  # nor this
        client.close()
    finally:
        total = server.stop()
    return total


def test_the_count_grows_with_the_work_counted_and_only_that(tmp_path: Path) -> None:
    few, many = _count(tmp_path / "few", 100), _count(tmp_path / "many", 2_000)
    assert 0 < few < many
    per_write = (many - few) / 1_900  # what a SET costs, the fixed part taken away
    assert 1_000 < per_write < 10_000  # a pipelined SET: about 4,800 here


def test_a_program_counts_its_own_stages(tmp_path: Path) -> None:
    """``run_counted`` gives one count per stage the program ends with ``dump``, and
    nothing of what it ran before ``count_on``."""
    import sys

    program = (
        "from bench import callgrind\n"
        "sum(range(3_000_000))\n"  # not counted
        "callgrind.count_on()\n"
        "sum(range(100_000))\n"
        "callgrind.dump()\n"
        "sum(range(1_000_000))\n"
        "callgrind.dump()\n"
        "print('done')\n"
    )
    repo = Path(__file__).resolve().parents[2]
    stages, printed = callgrind.run_counted(
        [sys.executable, "-c", program], tmp_path / "out", cwd=repo
    )
    assert printed.strip() == "done" and len(stages) == 2
    few, many = stages
    assert many > 4 * few  # ten times the loop, beside each stage's fork of the control tool
