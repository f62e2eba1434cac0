"""docs/deploy.md stays true: its `vts` commands run and its cost figures are the script's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vts.cli.main import main
from vts.cost.model import estimate
from vts.cost.prices import US_EAST_1
from vts.cost.workload import PRESETS

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def vts_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(), re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("vts ")]


@pytest.mark.parametrize("command", vts_commands())
def test_every_vts_command_in_the_doc_runs(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out


def test_the_cost_summary_is_what_vts_cost_computes() -> None:
    rows = re.findall(
        r"^\| `([\w-]+)` \| [^|]+ \| \$([\d.,]+) \| \$([\d,]+) \| \$([\d.]+) \|$",
        DOC.read_text(),
        re.M,
    )
    assert [name for name, *_ in rows] == list(PRESETS)
    for name, hourly, monthly, per_million in rows:
        est = estimate(PRESETS[name])
        assert hourly == f"{est.hourly:.2f}", name
        assert monthly == f"{est.monthly:,.0f}", name
        digits = len(per_million.split(".")[1])
        assert per_million == f"{est.per_million_events:.{digits}f}", name


def test_the_doc_states_the_price_date_and_region() -> None:
    text = DOC.read_text()
    assert US_EAST_1.region in text and "June 2025" in text and "list prices" in text
