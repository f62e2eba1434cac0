"""``vts chaos``: help with examples, flags checked before anything starts, the plan printed
first (seeded), and the exit status following the verdict (the run itself is replaced here;
tests/chaos/test_chaos_run.py runs it for real)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from vts.chaos.lake import LakeView
from vts.chaos.options import ChaosOptions
from vts.chaos.report import ChaosReport
from vts.chaos.verdict import judge
from vts.cli.main import main


def test_help_shows_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["chaos", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "vts chaos --events 200000 --kills 5 --broker-restarts 1 --late-replays 3" in text
    assert "--s3" in text


def test_bad_flags_say_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chaos", "--kills", "-1"]) != 0
    assert "use 0 or more" in capsys.readouterr().err


@pytest.mark.parametrize("lost", [0, 1])
def test_the_plan_comes_first_and_the_exit_status_is_the_verdict(
    lost: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[ChaosOptions] = []

    def fake_run(options: ChaosOptions, progress: Any = None) -> ChaosReport:
        seen.append(options)
        truth = {"gps_data": {"a", "b"}}
        ids = Counter({"a": 1, "b": 1} if not lost else {"a": 1})
        verdict = judge(truth, LakeView(ids={"gps_data": ids}))
        return ChaosReport({}, {}, [], [], {}, {}, verdict, "local filesystem", "/tmp/x", 1.0)

    monkeypatch.setattr("vts.chaos.run.run_chaos", fake_run)
    code = main(["--format", "json", "chaos", "--seed", "5", "--kills", "3", "--no-progress"])
    out = capsys.readouterr()
    assert code == lost
    assert seen[0].seed == 5 and seen[0].kills == 3
    assert out.err.count("kill_job") == 3  # the seeded plan, printed before the run
    assert json.loads(out.out)["verdict"]["lost"] == lost


def test_the_workdir_flag_reaches_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[ChaosOptions] = []

    def fake_run(options: ChaosOptions, progress: Any = None) -> ChaosReport:
        seen.append(options)
        verdict = judge({}, LakeView())
        return ChaosReport({}, {}, [], [], {}, {}, verdict, "s3 (moto server)", "/tmp/x", 1.0)

    monkeypatch.setattr("vts.chaos.run.run_chaos", fake_run)
    assert main(["chaos", "--s3", "--workdir", str(tmp_path), "--no-progress"]) == 0
    assert seen[0].s3 and seen[0].workdir == tmp_path
    assert "lost=0 duplicated=0 orphans=0" in capsys.readouterr().out
