"""Run SQL on Spark SQL against the catalog (the local Hive metastore, or Glue on AWS).

Statements of a text run in order; the last one's rows are the result. The database is
made current for the run (so ad-hoc SQL can say ``vehicle_data``) and restored after, and
``${schema}`` defaults to it. Timestamps come back as time-zone aware UTC datetimes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from vts.catalog.base import DEFAULT_DATABASE
from vts.catalog.spark_sql import collect
from vts.query.exceptions import QueryError
from vts.query.template import SCHEMA_PARAM, SqlTemplate, split_statements

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryResult:
    """Rows of the last statement, as dicts in column order."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    sql: str
    seconds: float

    def column(self, name: str) -> list[Any]:
        return [row[name] for row in self.rows]


def run_template(
    spark: SparkSession,
    template: SqlTemplate,
    *,
    database: str = DEFAULT_DATABASE,
    params: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> QueryResult:
    """Render ``template`` (``${schema}`` = ``database`` unless given) and run it."""
    values = {SCHEMA_PARAM: database, **(params or {})}
    sql = template.render(values)
    return run_sql(spark, sql, database=database, name=template.name, limit=limit)


def run_sql(
    spark: SparkSession,
    sql: str,
    *,
    database: str = DEFAULT_DATABASE,
    name: str = "query",
    limit: int | None = None,
) -> QueryResult:
    """Run the statements of ``sql`` with ``database`` current; return the last result."""
    statements = split_statements(sql)
    if not statements:
        raise QueryError(f"{name}: no SQL statement to run", hint="pass a SELECT")
    if not spark.catalog.databaseExists(database):
        raise QueryError(
            f"database {database!r} does not exist in the catalog",
            hint="run `vts crawl` first (or pass --database)",
        )
    previous = spark.catalog.currentDatabase()
    started = time.perf_counter()
    spark.catalog.setCurrentDatabase(database)
    try:
        for statement in statements[:-1]:
            _execute(spark, statement, name)
        frame = _execute(spark, statements[-1], name)
        if limit is not None:
            frame = frame.limit(limit)
        columns, rows = _collect(frame, name)
    finally:
        spark.catalog.setCurrentDatabase(previous)
    seconds = time.perf_counter() - started
    logger.info("%s: %d rows in %.2fs", name, len(rows), seconds)
    return QueryResult(name, columns, rows, sql, seconds)


def _execute(spark: SparkSession, statement: str, name: str) -> Any:
    from pyspark.errors import AnalysisException, ParseException

    logger.debug("%s: %s", name, statement[:300])
    try:
        return spark.sql(statement)
    except (AnalysisException, ParseException) as exc:
        raise QueryError(
            f"{name}: Spark SQL refused the statement: {_first_line(exc)}",
            hint="check table and column names (`vts crawl` registers the tables; "
            "SHOW TABLES lists them)",
        ) from exc


def _collect(frame: Any, name: str) -> tuple[tuple[str, ...], tuple[dict[str, Any], ...]]:
    from pyspark.errors.exceptions.captured import CapturedException
    from pyspark.sql.types import TimestampType

    columns = tuple(frame.columns)
    stamps = [f.name for f in frame.schema.fields if isinstance(f.dataType, TimestampType)]
    try:
        collected = collect(frame)
    except CapturedException as exc:
        raise QueryError(
            f"{name}: the query failed while running: {_first_line(exc)}",
            hint="a file the table reads may have changed type or be corrupt; "
            "`vts crawl` reports such files",
        ) from exc
    rows = []
    for row in collected:
        values = dict(zip(columns, row, strict=True))
        for col in stamps:
            values[col] = _utc(values[col])
        rows.append(values)
    return columns, tuple(rows)


def _utc(value: datetime | None) -> datetime | None:
    """PySpark returns timestamps as naive local-time datetimes; make them aware UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.astimezone(UTC)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "desc", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
