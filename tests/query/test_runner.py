"""The query runner on the real local Spark (integration)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from vts.query.exceptions import QueryError
from vts.query.runner import run_sql, run_template
from vts.query.template import SqlTemplate

pytestmark = pytest.mark.integration


@pytest.fixture
def database(spark: Any) -> Iterator[str]:
    name = f"q_{uuid.uuid4().hex[:10]}"
    spark.sql(f"CREATE DATABASE {name}")
    spark.range(5).selectExpr(
        "id",
        "CAST(id * 1.5 AS DOUBLE) AS x",
        "TIMESTAMP '2024-03-01 10:00:00' + make_interval(0, 0, 0, 0, CAST(id AS INT)) AS ts",
    ).write.saveAsTable(f"{name}.t")
    yield name
    spark.sql(f"DROP DATABASE {name} CASCADE")


def test_statements_run_in_order_and_the_last_gives_rows(spark: Any, database: str) -> None:
    before = spark.catalog.currentDatabase()
    result = run_sql(
        spark,
        "CREATE TEMPORARY VIEW big AS SELECT * FROM t WHERE id >= 3;\n"
        "SELECT id, x, ts FROM big ORDER BY id",
        database=database,
    )
    assert result.columns == ("id", "x", "ts")
    assert result.column("id") == [3, 4]
    assert result.column("x") == [4.5, 6.0]
    assert result.column("ts") == [
        datetime(2024, 3, 1, 13, tzinfo=UTC),
        datetime(2024, 3, 1, 14, tzinfo=UTC),
    ]
    assert spark.catalog.currentDatabase() == before


def test_templates_get_the_database_as_schema(spark: Any, database: str) -> None:
    template = SqlTemplate.parse(
        "-- @param above=1\nSELECT count(*) AS n FROM ${schema}.t WHERE id > ${above}"
    )
    assert run_template(spark, template, database=database).rows == ({"n": 3},)
    limited = run_template(spark, template, database=database, params={"above": "-1"}, limit=1)
    assert limited.rows == ({"n": 5},)


def test_limit_caps_the_rows(spark: Any, database: str) -> None:
    assert len(run_sql(spark, "SELECT * FROM t", database=database, limit=2).rows) == 2


def test_errors_say_what_to_do(spark: Any, database: str) -> None:
    with pytest.raises(QueryError, match="does not exist") as caught:
        run_sql(spark, "SELECT 1", database=f"nope_{uuid.uuid4().hex[:6]}")
    assert caught.value.hint is not None and "vts crawl" in caught.value.hint
    with pytest.raises(QueryError, match="refused"):
        run_sql(spark, "SELECT no_such_column FROM t", database=database)
    with pytest.raises(QueryError, match="no SQL statement"):
        run_sql(spark, "-- only a comment", database=database)
