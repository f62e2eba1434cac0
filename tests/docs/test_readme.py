"""The README's command-line examples name real commands and flags (checked with argparse,
without running them: the whole pipeline runs in tests/e2e)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from vts.cli.main import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _examples() -> list[str]:
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("vts "):
                lines.append(command)
    return lines


def test_readme_has_the_two_set_up_commands() -> None:
    text = README.read_text()
    assert "make demo" in text and "make test" in text


@pytest.mark.parametrize("command", _examples())
def test_readme_example_parses(command: str) -> None:
    args = build_parser().parse_args(shlex.split(command)[1:])
    assert callable(args.func), command
