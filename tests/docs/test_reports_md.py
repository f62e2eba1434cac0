"""docs/reports.md's examples name real commands and flags, and its parameter table
states the code's defaults."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vts.cli.main import build_parser
from vts.rules.params import ReportParams

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def _examples() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("vts "):
                lines.append(command)
    return lines


@pytest.mark.parametrize("command", _examples())
def test_example_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert callable(args.func), command


def test_the_parameter_table_states_the_defaults() -> None:
    defaults = ReportParams().as_dict()
    rows = re.findall(r"^\| `([^|]+)` \| ([^|]+) \|", DOC.read_text(), flags=re.M)
    assert len(rows) >= 9
    for names, values in rows:
        keys = [n.strip(" `") for n in names.split(",")]
        for key, value in zip(keys, values.split(","), strict=True):
            assert key in defaults, key
            assert float(value) == pytest.approx(defaults[key], abs=1e-4), key
