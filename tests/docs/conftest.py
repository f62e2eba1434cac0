"""The docs' command-line walkthroughs, run as written (``e2e``).

``walkthrough`` runs the README's ``vts`` commands in order, then docs/reports.md's, each
as its own ``vts`` process, in a fresh VTS home and a scratch working folder (with the
repository's ``sql/`` beside it, as in a checkout), and keeps what each printed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vts.settings import LocalPaths

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
REPORTS_MD = REPO / "docs" / "reports.md"


def vts_lines(doc: Path) -> list[str]:
    """The ``vts ...`` lines of the document's bash blocks, comments dropped, in order."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), flags=re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("vts "):
                lines.append(command)
    return lines


@dataclass
class Walkthrough:
    home: Path
    cwd: Path
    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def run(self, command: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "VTS_HOME": str(self.home),
            "VTS_JARS_DIR": str(LocalPaths.from_env().jars),
            "COLUMNS": "200",
        }
        env.pop("VTS_KAFKA_BOOTSTRAP", None)  # the walkthrough's own `vts local up` broker
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "vts.cli.main", *shlex.split(command)[1:]],
            cwd=self.cwd, env=env, capture_output=True, text=True, timeout=1200, check=False,
        )  # fmt: skip
        self.runs[command] = done
        self.seconds[command] = time.monotonic() - started
        if check and done.returncode != 0:
            pytest.fail(f"`{command}` exited {done.returncode}:\n{done.stderr[-4000:]}")
        return done


@pytest.fixture(scope="session")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walkthrough]:
    root = tmp_path_factory.mktemp("walkthrough")
    (root / "work").mkdir()
    (root / "work" / "sql").symlink_to(REPO / "sql")
    walk = Walkthrough(home=root / "home", cwd=root / "work")
    try:
        for command in vts_lines(README) + vts_lines(REPORTS_MD):
            walk.run(command)
        yield walk
    finally:
        walk.run("vts local down", check=False)  # whatever failed, no broker is left behind
