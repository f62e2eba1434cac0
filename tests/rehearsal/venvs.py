"""The rehearsals' virtualenvs, built by the Makefile's set-up (never at test time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vts.settings import LocalPaths


def rehearsal_venv(name: str, make_target: str) -> Path:
    """``$VTS_HOME/rehearsal/<name>``, or fail the test naming the target that builds it."""
    venv = LocalPaths.from_env().home / "rehearsal" / name
    if not (venv / ".installed").exists():
        pytest.fail(
            f"the rehearsal venv {venv} is missing: run `make {make_target}`", pytrace=False
        )
    return venv
