"""``vts contracts`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vts.cli.main import main
from vts.contract import EVENT_TYPES


def test_export_writes_schemas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "export", str(tmp_path / "schemas"), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["event_type"] for r in rows} == set(EVENT_TYPES)
    assert all(Path(r["path"]).is_file() for r in rows)


def test_show_lists_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contracts", "show", "weather_data", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["field"] for r in rows] == list(EVENT_TYPES["weather_data"].field_names)


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["contracts", "--help"])
    assert "vts contracts export" in capsys.readouterr().out
