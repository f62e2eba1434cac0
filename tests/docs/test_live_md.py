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
