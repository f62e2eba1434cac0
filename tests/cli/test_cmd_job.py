"""``vts job run``: flags map onto the job's arguments; progress per batch, then a summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from vts.cli.main import main
from vts.stream.args import JobArgs
from vts.stream.job import JobResult
from vts.stream.sink import BatchReport


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """``vts.stream.job.run`` replaced by a recorder that reports two batches."""
    monkeypatch.setenv("VTS_HOME", str(tmp_path))
    recorded: list[dict[str, Any]] = []

    def fake_run(args: JobArgs, **kwargs: Any) -> JobResult:
        recorded.append({"args": args, **kwargs})
        for n in range(2):
            kwargs["on_batch"](BatchReport(n, {"gps_data": 10}, 1, 3, 3, 0, 0.5))
        return JobResult(2, {"gps_data": 20}, 2, 6, 1.0, "caught up")

    monkeypatch.setattr("vts.stream.job.run", fake_run)
    return recorded


def test_flags_map_onto_job_args(
    calls: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--format",
            "json",
            "job",
            "run",
            "--broker",
            "127.0.0.1:9092",
            "--available-now",
            "--topics",
            "gps_data,weather_data",
            "--topic-prefix",
            "t1.",
            "--trigger-seconds",
            "5",
            "--max-offsets-per-trigger",
            "1000",
            "--no-register",
            "--v0-timezone",
            "Europe/Paris",
            "--max-batches",
            "3",
        ]
    )
    assert code == 0
    (call,) = calls
    args: JobArgs = call["args"]
    assert args.bootstrap_servers == "127.0.0.1:9092" and args.available_now
    assert args.topic_names == ("t1.gps_data", "t1.weather_data")
    assert (args.trigger_seconds, args.max_offsets_per_trigger) == (5, 1000)
    assert args.register_partitions is False and args.v0_timezone == "Europe/Paris"
    assert args.output_path == str(tmp_path / "lake")
    assert args.quarantine_path == str(tmp_path / "lake" / "quarantine")
    assert args.checkpoint_path == str(tmp_path / "checkpoints" / "job")
    assert call["max_batches"] == 3
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["batches"] == 2 and summary["rows"] == {"gps_data": 20}
    assert "batch 1: 10 events, 1 quarantined, 3 files" in captured.err


def test_text_output_reports_each_batch(
    calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["job", "run", "--broker", "b:9092", "--lake", "/data/lake"]) == 0
    out = capsys.readouterr().out
    assert "batch 0: 10 events" in out and "job finished" in out
    assert calls[0]["args"].quarantine_path == "/data/lake/quarantine"


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["job", "run", "--help"])
    assert "vts job run --available-now" in capsys.readouterr().out
