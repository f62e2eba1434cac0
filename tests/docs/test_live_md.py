"""docs/live.md's commands name real commands and flags, and its API reference names every
route the API serves."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vts.cli.main import build_parser
from vts.live.api import _ROUTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "live.md"


def _examples() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("vts ")]


@pytest.mark.parametrize("command", _examples())
def test_the_example_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert callable(args.func), command


def test_the_api_reference_names_every_route() -> None:
    text = DOC.read_text()
    for route in [*_ROUTES, "/vehicles/{vehicle_id}"]:
        assert f"`GET {route}" in text, route


LIVE_COLUMNS = {
    "consumer": "Lambda live consumer",
    "pollers": "Lambda live mappings' event pollers",
    "cache data": "ElastiCache Serverless (Valkey) data",
    "cache ECPUs": "ElastiCache Serverless (Valkey) ECPUs",
    "API": "Lambda live API (Function URL)",
    "alerts bus": "EventBridge live alerts bus",
    "sweep schedule": "EventBridge Scheduler live sweep",
    "sweep": "Lambda live sweep",
}


def test_the_live_cost_table_is_what_vts_cost_computes() -> None:
    from vts.cost.model import estimate
    from vts.cost.workload import PRESETS, with_overrides

    header = " | ".join(["fleet", *LIVE_COLUMNS, "live path"])
    assert f"| {header} |" in DOC.read_text()  # every line of the live path, named
    rows = re.findall(r"^\| ([\d,]+) vehicles \| (.+) \|$", DOC.read_text(), flags=re.M)
    assert [int(n.replace(",", "")) for n, _ in rows] == [100, 1_000, 10_000]
    for vehicles, cells in rows:
        est = estimate(with_overrides(PRESETS["demo"], vehicles=int(vehicles.replace(",", ""))))
        monthly = {line.component: line.monthly for line in est.lines}
        shown = [float(c.strip().lstrip("$").replace(",", "")) for c in cells.split("|")]
        expected = [round(monthly[c], 2) for c in LIVE_COLUMNS.values()]
        assert shown == [*expected, round(sum(expected), 2)], vehicles


def test_the_mapping_settings_are_the_templates() -> None:
    from tests.template.cfn import Stack

    props = Stack().props("LivegpsdataMapping")
    text = DOC.read_text()
    for name, value in [
        ("StartingPosition", props["StartingPosition"]),
        ("BatchSize", f"{props['BatchSize']:,}"),
        ("MaximumBatchingWindowInSeconds", props["MaximumBatchingWindowInSeconds"]),
        ("MaximumRetryAttempts", props["MaximumRetryAttempts"]),
        ("MaximumRecordAgeInSeconds", props["MaximumRecordAgeInSeconds"]),
        ("BisectBatchOnFunctionError", str(props["BisectBatchOnFunctionError"]).lower()),
    ]:
        assert re.search(rf"^\| `{name}` \| `?{value}`? \|", text, flags=re.M), name
