"""A benchmark's job runs with a fresh VTS home of its own and still finds the jars that
``make jars`` installed under the real one (a fresh home has none: the job would stop
with "the 'spark' jars ... is not installed")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.context import job_env
from vts.settings import LocalPaths


def test_a_job_with_a_fresh_home_finds_the_installed_jars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VTS_JARS_DIR", raising=False)
    monkeypatch.setenv("VTS_HOME", str(tmp_path / "real-home"))
    installed = LocalPaths.from_env().jars
    env = job_env(tmp_path / "fresh-home", SPARK_LOCAL_DIRS="/scratch")
    for name in ("VTS_HOME", "VTS_JARS_DIR"):
        monkeypatch.setenv(name, env[name])
    paths = LocalPaths.from_env()
    assert paths.jars == installed
    assert env["VTS_HOME"] == str(tmp_path / "fresh-home")
    assert env["SPARK_LOCAL_DIRS"] == "/scratch"
