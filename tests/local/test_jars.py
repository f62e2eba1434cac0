"""vts.local.jars: finding the jar cache that `make jars` fills."""

from __future__ import annotations

from pathlib import Path

import pytest

from vts.exceptions import NotInstalledError
from vts.local.exceptions import JarsNotInstalledError
from vts.local.jars import classpath, classpath_string, jars_dir


def test_missing_profile_folder_says_run_make_jars(tmp_path: Path) -> None:
    with pytest.raises(JarsNotInstalledError) as info:
        classpath("kafka", tmp_path)
    assert isinstance(info.value, NotInstalledError)
    assert "make jars" in str(info.value)
    assert str(tmp_path / "kafka") in str(info.value)


def test_folder_without_jars_is_not_installed(tmp_path: Path) -> None:
    (tmp_path / "spark").mkdir()
    (tmp_path / "spark" / ".fetched").touch()
    with pytest.raises(JarsNotInstalledError, match="'spark' jars"):
        classpath("spark", tmp_path)


def test_classpath_lists_the_profile_jars_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "kafka"
    folder.mkdir()
    for name in ("b.jar", "a.jar", "notes.txt"):
        (folder / name).touch()
    assert classpath("kafka", tmp_path) == [folder / "a.jar", folder / "b.jar"]
    assert classpath_string("kafka", tmp_path) == f"{folder / 'a.jar'}:{folder / 'b.jar'}"


def test_default_root_is_vts_home_jars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VTS_JARS_DIR", raising=False)
    monkeypatch.setenv("VTS_HOME", str(tmp_path))
    assert jars_dir("kafka") == tmp_path / "jars" / "kafka"
    (tmp_path / "jars" / "kafka").mkdir(parents=True)
    (tmp_path / "jars" / "kafka" / "x.jar").touch()
    assert classpath("kafka") == [tmp_path / "jars" / "kafka" / "x.jar"]


def test_vts_jars_dir_overrides_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VTS_JARS_DIR", str(tmp_path / "cache"))
    assert jars_dir("spark") == tmp_path / "cache" / "spark"
