"""docs/simulator.md: its examples run, and its numbers are the code's."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from simulator.model import dynamics, fleet, segments, weather, week
from vts.cli.main import main
from vts.contract.topics import TOPIC_NAMES

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_python_example_runs() -> None:
    (code,) = _blocks("python")
    scope: dict[str, object] = {}
    exec(compile(code, str(DOC), "exec"), scope)  # noqa: S102 - our own documentation
    assert len(scope["paths"]) == 8  # type: ignore[arg-type]
    assert scope["tables"]["dwells"]  # type: ignore[index]


def test_the_command_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (command,) = [line for block in _blocks("bash") for line in block.splitlines() if line]
    monkeypatch.chdir(tmp_path)  # it writes events.jsonl and truth/ where it runs
    assert main(["--format", "json", *shlex.split(command)[1:]]) == 0
    summary = json.loads(capsys.readouterr().out)
    events = (tmp_path / "events.jsonl").read_text().splitlines()
    assert len(events) == summary["events"] > 0
    assert {json.loads(e)["topic"] for e in events} == set(TOPIC_NAMES)
    assert sorted(p.stem for p in (tmp_path / "truth").iterdir()) == sorted(summary["truth"])
    assert summary["truth"]["dwells"] > 0


def test_the_documented_parameters_are_the_codes() -> None:
    text = DOC.read_text()
    assert f"probability {segments.P_RED}" in text
    assert f"halts {segments.HALT_S[0]:g}–{segments.HALT_S[1]:g} s" in text
    assert f"{segments.SPEEDING[0]:.2f}–{segments.SPEEDING[1]:.2f} × the limit" in text
    assert f"rain slows by {weather.RAIN_SLOWDOWN:.0%}" in text.replace(" %", "%")
    assert f"by\n  {weather.SNOW_SLOWDOWN:.0%}" in text.replace(" %", "%")
    assert f"up to {dynamics.RUSH_SLOWDOWN:.0%} slower" in text.replace(" %", "%")
    assert f"when driven at {week.PLAN_SPEED} of the normal speed" in text
    assert f"{week.JUNCTION_S:g} s lost per junction" in text
    assert f"on {fleet.GPS_OUTAGE_P:.0%} of days" in text.replace(" %", "%")
    for vtype, (lo, hi, dlo, dhi) in fleet.BEHAVIOUR.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {vtype} |"))
        assert f"{lo:.2f}–{hi:.2f}" in row and f"{dlo:g}–{dhi:g}" in row, vtype
        a = fleet.ACCEL[vtype]
        assert f"{a[0]:.1f}–{a[1]:.1f}" in row and f"{a[2]:.1f}–{a[3]:.1f}" in row, vtype
