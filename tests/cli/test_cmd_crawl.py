"""``vts crawl`` through the real CLI entry point, with the Glue backend on moto (a mock)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from vts.cli.main import main


@pytest.fixture
def moto_glue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and moto's Glue: nothing can reach a real account."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def _lake(root: Path, extra_column: bool = False) -> Path:
    cols = {"vehicle_id": pa.array(["a", "b"]), "speed_kmh": pa.array([1.0, 2.0])}
    if extra_column:
        cols["fuel_pct"] = pa.array([3.0, 4.0])
    hr = "01" if extra_column else "00"
    path = root / "vehicle_data" / "dt=2024-03-01" / f"hr={hr}" / "part-0.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path)
    (root / "vehicle_data" / "dt=2024-03-01" / "hr=02").mkdir(exist_ok=True)
    return root


def _crawl(*args: str) -> list[str]:
    return ["crawl", *args, "--catalog", "glue", "--region", "us-east-1", "--database", "cli"]


def test_json_report_moto(
    tmp_path: Path, moto_glue: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = _lake(tmp_path / "lake")
    assert main([*_crawl(str(lake)), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["totals"]["tables_created"] == 1
    assert report["totals"]["partitions_added"] == 1
    assert [(s["kind"], s["path"]) for s in report["skipped"]] == [
        ("empty", "vehicle_data/dt=2024-03-01/hr=02")
    ]


def test_text_report_and_the_fail_policy_moto(
    tmp_path: Path, moto_glue: None, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = _lake(tmp_path / "lake")
    assert main(_crawl(str(lake))) == 0
    first = capsys.readouterr().out
    assert "vehicle_data" in first and "created" in first and "empty folder" in first
    _lake(lake, extra_column=True)
    assert main([*_crawl(str(lake)), "--policy", "fail"]) == 1
    second = capsys.readouterr().out
    assert "rejected" in second and "fuel_pct" in second and "policy 'fail'" in second


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["crawl", "--help"])
    assert "vts crawl data/ --database tutorial" in capsys.readouterr().out
