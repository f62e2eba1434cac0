"""The reports job's arguments: one record for the Glue script and ``vts reports build``.

A malformed ``--params`` (or day) stops the job with an error naming the argument, before
Spark starts; the Glue script and the CLI read the same inputs into equal records."""

from __future__ import annotations

import importlib.util
import sys
import types
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from vts.cli.main import main as vts
from vts.reports.args import ReportsArgs, glue_option_names, parse_params
from vts.reports.exceptions import ReportsArgsError
from vts.rules.params import ReportParams

SCRIPT = Path(__file__).resolve().parents[2] / "glue_scripts" / "vts_reports_job.py"
TODAY = date(2024, 3, 6)


def _glue(**options: str) -> ReportsArgs:
    return ReportsArgs.from_options({"lake_path": "s3://b/data", **options}, today=TODAY)


def test_glue_arguments_as_the_schedules_pass_them() -> None:
    args = _glue(day="yesterday", TempDir="s3://b/tmp", JOB_NAME="reports")
    assert args.days == (date(2024, 3, 5),)
    assert (args.lake_path, args.output_path, args.geofences) == ("s3://b/data", None, None)
    assert _glue(day="today").days == (TODAY,)
    assert _glue(from_day="2024-03-01", to_day="2024-03-03").days == (
        date(2024, 3, 1),
        date(2024, 3, 2),
        date(2024, 3, 3),
    )


def test_params_override_the_defaults_and_malformed_ones_are_errors_not_dropped() -> None:
    args = _glue(day="2024-03-05", params="min_duration_s=300, stop_gap_s=600")
    assert (args.params.min_duration_s, args.params.stop_gap_s) == (300.0, 600.0)
    assert args.params.min_distance_m == ReportParams().min_distance_m
    with pytest.raises(ReportsArgsError, match=r"params: 'min_duration_s:300' is not name=value"):
        _glue(day="2024-03-05", params="stop_gap_s=600,min_duration_s:300")
    with pytest.raises(ReportsArgsError, match="not name=value"):
        parse_params(["=5"])
    with pytest.raises(Exception, match="unknown report parameter 'min_durations'"):
        _glue(day="2024-03-05", params="min_durations=300")
    with pytest.raises(Exception, match=r"min_duration_s='five' is not a number"):
        _glue(day="2024-03-05", params="min_duration_s=five")


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"day": "March 5th"}, "day: 'March 5th' is not a day"),
        ({}, "which day?"),
        ({"day": "2024-03-05", "from_day": "2024-03-01", "to_day": "2024-03-02"}, "do not mix"),
        ({"from_day": "2024-03-01"}, "a range needs both ends"),
        ({"from_day": "2024-03-03", "to_day": "2024-03-01"}, "2024-03-01 is before 2024-03-03"),
        ({"day": "today", "source": "traffic_data"}, "source: 'traffic_data' is not one of"),
        ({"day": "today", "lake_path": ""}, "lake_path: is required"),
    ],
)
def test_bad_days_sources_and_lakes_are_errors_naming_the_argument(
    options: dict[str, str], problem: str
) -> None:
    with pytest.raises(ReportsArgsError, match=problem.replace("?", r"\?")):
        _glue(**options)


def test_glue_resolves_only_the_names_it_was_given() -> None:
    argv = ["job.py", "--JOB_NAME", "r", "--lake_path", "s3://b/data", "--day", "today"]
    assert glue_option_names(argv) == ["lake_path", "day"]


def test_the_cli_builds_the_same_record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    built: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        "vts.reports.build.build",
        lambda spark, days, options: built.append((tuple(days), options)) or [],
    )
    monkeypatch.setattr("vts.spark.session.build_session", lambda settings: "local session")
    cli = [
        "reports",
        "build",
        "--lake",
        str(tmp_path),
        "--from",
        "2024-03-01",
        "--to",
        "2024-03-02",
        "--geofences",
        "z.geojson",
        "--param",
        "min_duration_s=300",
    ]
    assert vts(cli) == 0
    glue = ReportsArgs.from_options(
        {
            "lake_path": str(tmp_path),
            "from_day": "2024-03-01",
            "to_day": "2024-03-02",
            "geofences": "z.geojson",
            "params": "min_duration_s=300",
        },
        today=TODAY,
    )
    assert built == [(glue.days, glue.build_options())]


def test_the_cli_names_a_malformed_param(capsys: pytest.CaptureFixture[str]) -> None:
    assert vts(["reports", "build", "--day", "2024-03-05", "--param", "min_duration_s"]) == 1
    assert "'min_duration_s' is not name=value" in capsys.readouterr().err


def _script(monkeypatch: pytest.MonkeyPatch, built: list[tuple[Any, ...]]) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("vts_reports_job_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(
        "vts.reports.build.build",
        lambda spark, days, options: built.append((spark, tuple(days), options)) or [],
    )
    return module


def test_the_glue_script_stops_on_malformed_params_before_spark_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[tuple[Any, ...]] = []
    script = _script(monkeypatch, built)
    monkeypatch.setitem(sys.modules, "awsglue", None)  # not on Glue
    monkeypatch.setattr(script, "running_on_glue", lambda: pytest.fail("Spark was started"))
    argv = ["job.py", "--lake_path", "/lake", "--day", "2024-03-05", "--params", "stop_gap_s"]
    with pytest.raises(ReportsArgsError, match="'stop_gap_s' is not name=value"):
        script.main(argv)
    assert built == []


def test_on_glue_the_script_takes_glue_contexts_session(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[tuple[Any, ...]] = []
    script = _script(monkeypatch, built)
    settings: dict[str, str] = {}
    session = types.SimpleNamespace(conf=types.SimpleNamespace(set=settings.__setitem__))

    class GlueContext:
        def __init__(self, sc: Any) -> None:
            self.spark_session = session

    def get_resolved_options(argv: list[str], names: list[str]) -> dict[str, str]:
        pairs = dict(zip(argv[1::2], argv[2::2], strict=False))
        return {n: pairs[f"--{n}"] for n in names}

    monkeypatch.setitem(sys.modules, "awsglue", types.ModuleType("awsglue"))
    monkeypatch.setitem(
        sys.modules, "awsglue.utils", types.SimpleNamespace(getResolvedOptions=get_resolved_options)
    )
    monkeypatch.setitem(
        sys.modules, "awsglue.context", types.SimpleNamespace(GlueContext=GlueContext)
    )
    monkeypatch.setattr("pyspark.context.SparkContext.getOrCreate", staticmethod(lambda: "sc"))
    monkeypatch.setattr(script, "running_on_glue", lambda: True)
    argv = [
        "job.py",
        "--JOB_NAME",
        "r",
        "--lake_path",
        "s3://b/data",
        "--day",
        "2024-03-05",
        "--TempDir",
        "s3://b/tmp",
        "--params",
        "min_duration_s=300",
    ]
    assert script.main(argv) == 0
    ((spark, days, options),) = built
    assert spark is session and settings == {"spark.sql.session.timeZone": "UTC"}
    assert days == (date(2024, 3, 5),) and options.lake == "s3://b/data"
    assert options.params.min_duration_s == 300.0
