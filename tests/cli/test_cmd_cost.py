"""``vts cost`` end to end through the CLI's parser and output layer."""

from __future__ import annotations

import json

import pytest

from vts.cli.main import main
from vts.cost.model import estimate
from vts.cost.workload import PRESETS


def test_json_output_lists_each_preset_with_its_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--all", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["workload"] for r in records] == list(PRESETS)
    for record in records:
        assert record["per_hour"] == round(estimate(PRESETS[record["workload"]]).hourly, 4)


def test_overrides_change_the_workload(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["cost", "--preset", "fleet-10k", "--kafka", "msk-serverless", "--format", "json"])
        == 0
    )
    (record,) = json.loads(capsys.readouterr().out)
    components = [line["component"] for line in record["lines"]]
    assert "MSK Serverless cluster-hours" in components
    assert record["vehicles"] == 10_000


def test_a_longer_dedup_watermark_costs_more_glue(capsys: pytest.CaptureFixture[str]) -> None:
    hourly = {}
    for minutes in ("2", "60"):
        args = ["cost", "--preset", "fleet-10k", "--watermark-minutes", minutes]
        assert main([*args, "--format", "json"]) == 0
        (record,) = json.loads(capsys.readouterr().out)
        (glue,) = [line for line in record["lines"] if line["component"] == "Glue streaming job"]
        assert f"{float(minutes):g}-minute watermark" in glue["basis"]
        hourly[minutes] = glue["per_hour"]
    assert hourly["60"] > hourly["2"]
    assert main(["cost", "--watermark-minutes", "0"]) == 1
    assert "--watermark-minutes" in capsys.readouterr().err


def test_text_output_and_a_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost"]) == 0
    text = capsys.readouterr().out
    assert "Glue streaming job" in text and "per million events" in text
    assert main(["cost", "--vehicles", "0"]) == 1
    assert "what to do:" in capsys.readouterr().err


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["cost", "--help"])
    assert "vts cost --preset fleet-10k" in capsys.readouterr().out
