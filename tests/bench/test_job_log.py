"""The benchmarks' job-log reader (``bench.job_log``), on a small script standing in for
the Glue job: the soak's and the start-up benchmark's readers see each line as it is
written, the log keeps every line, a job that exits first fails with its log's tail, and
a kill takes the whole process group."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.bench_startup import _Job
from bench.soak_processes import JobProcess

LINES = (
    "2026-12-06 05:50:00,001 INFO vts.spark.session: starting Spark",
    "2026-12-06 05:50:00,002 INFO vts.stream.job: started the query",
    "2026-12-06 05:50:01,123 INFO vts.stream.metrics: batch 0: 20310 records in, 20310 "
    "rows written, 0 quarantined, 5 files, 3.48s, max offsets behind latest 0 (addBatch "
    "3.20s, walCommit 0.02s); state task time: evict 0.40s, update 0.30s, commit 0.01s",
)


def _script(tmp_path: Path, lines: tuple[str, ...], then: str) -> list[str]:
    body = "".join(f"print({line!r}, file=sys.stderr, flush=True)\n" for line in lines)
    path = tmp_path / "job.py"
    path.write_text(f"import sys, time\n{body}{then}\n")
    return [sys.executable, str(path)]


def test_the_soak_reader_parses_batch_lines_and_keeps_the_log(tmp_path: Path) -> None:
    job = JobProcess(_script(tmp_path, LINES, "time.sleep(60)"), {}, tmp_path / "job.log")
    try:
        job.wait_started(30)
        job.wait_until(lambda: bool(job.batches), "committed a batch", 30, 0.05)
        assert job.process.poll() is None  # still running: lines were read as written
    finally:
        job.kill()
    assert job.process.returncode is not None
    assert [b["records"] for b in job.batches] == [20310]
    assert job.log.read_text().splitlines() == list(LINES)


def test_the_startup_reader_notes_milestones(tmp_path: Path) -> None:
    job = _Job(_script(tmp_path, LINES, "time.sleep(60)"), {}, tmp_path / "start.log")
    try:
        assert job.wait_for("committed") >= job.wait_for("query") >= job.started
    finally:
        job.kill()
    assert set(job.seen) == {"imported", "query", "committed"}
    assert job.phases == {"addBatch": 3.2, "walCommit": 0.02}  # the first batch's


def test_a_job_that_exits_first_fails_with_its_log(tmp_path: Path) -> None:
    job = JobProcess(_script(tmp_path, LINES[:1], "sys.exit(3)"), {}, tmp_path / "job.log")
    with pytest.raises(RuntimeError, match="never started its query") as failed:
        job.wait_started(30)
    assert "starting Spark" in str(failed.value)
    job.kill()
