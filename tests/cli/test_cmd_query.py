"""``vts query`` through the real CLI entry point."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from vts.cli.main import main


def test_list_shows_the_analytics(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"]: r for r in rows}
    assert "speeding_events" in names
    assert "tolerance_kmh=0" in names["speeding_events"]["params"]


def test_print_sql_renders_for_redshift(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["query", "vehicles_near_incidents", "--print-sql", "--database", "spectrum_vts"]
    assert main([*args, "--param", "radius_km=2.5"]) == 0
    sql = capsys.readouterr().out
    assert "FROM spectrum_vts.emergency_data" in sql and "<= 2.5" in sql and "${" not in sql


def test_bad_params_are_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "latest_position", "--print-sql", "--param", "nope"]) == 1
    assert "NAME=VALUE" in capsys.readouterr().err
    assert main(["query", "no_such_analytic"]) == 1
    assert "latest_position" in capsys.readouterr().err


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["query", "--help"])
    assert "vts query latest_position" in capsys.readouterr().out


@pytest.fixture
def database(spark: Any) -> Iterator[str]:
    name = f"cli_{uuid.uuid4().hex[:10]}"
    spark.sql(f"CREATE DATABASE {name}")
    spark.range(4).selectExpr("id", "id % 2 AS odd").write.saveAsTable(f"{name}.t")
    yield name
    spark.sql(f"DROP DATABASE {name} CASCADE")


@pytest.mark.integration
def test_runs_sql_on_local_spark(
    spark: Any, database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = "SELECT odd, count(*) AS n FROM t GROUP BY odd ORDER BY odd"
    assert main(["query", sql, "--database", database, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["odd,n", "0,2", "1,2"]
    assert spark.range(3).count() == 3  # the shared session was used, not stopped
