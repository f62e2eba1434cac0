"""The catalog over Spark SQL: Spark's Hive metastore locally, the Glue catalog on Glue.

Every operation is a Spark SQL statement Glue's Hive-compatible catalog understands too
(``CREATE EXTERNAL TABLE … STORED AS PARQUET LOCATION``, ``ALTER TABLE … ADD IF NOT
EXISTS PARTITION … LOCATION``, ``ALTER TABLE … ADD COLUMNS``, ``SHOW PARTITIONS``), so the
same backend registers partitions from the streaming job on AWS Glue (whose Spark uses the
Glue Data Catalog as its metastore) and locally.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from vts.catalog.base import Catalog, Column, Partition, TableSpec
from vts.catalog.exceptions import CatalogError, CatalogUnavailableError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

# partitions per ALTER TABLE statement (one metastore call each)
PARTITION_CHUNK = 200


def quote_identifier(name: str) -> str:
    """A backtick-quoted Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    """A single-quoted Spark SQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def collect(frame: Any) -> list[Any]:
    """``frame.collect()`` without PySpark's ``ResourceWarning``.

    PySpark reads results through a local socket it leaves to the garbage collector, which
    warns when it closes it (an error under ``-W error``, as in the tests). The socket is
    freed as the result iterator ends, inside this block.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        rows: list[Any] = frame.collect()
    return rows


def _columns_sql(columns: Sequence[Column]) -> str:
    return ", ".join(f"{quote_identifier(c.name)} {c.type}" for c in columns)


def _chunks(items: Sequence[Partition], size: int) -> Iterator[Sequence[Partition]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SparkSqlCatalog(Catalog):
    """``Catalog`` through a SparkSession with a Hive (or Glue) metastore.

    Without ``spark``, the local session is started (``SparkSettings.local``, no Kafka jars).
    """

    def __init__(self, spark: SparkSession | None = None) -> None:
        if spark is None:
            from vts.spark.session import SparkSettings, build_session

            spark = build_session(SparkSettings.local(kafka=False))
        self.spark = spark

    def _sql(self, statement: str) -> Any:
        from pyspark.errors import AnalysisException
        from pyspark.errors.exceptions.captured import CapturedException

        logger.debug("spark sql: %s", statement[:500])
        try:
            return self.spark.sql(statement)
        except AnalysisException as exc:
            raise CatalogError(
                f"the metastore refused: {_first_line(exc)}",
                hint="check the database/table names and that the table is an external "
                "Parquet table created by vts",
            ) from exc
        except CapturedException as exc:
            text = str(exc)
            if "Derby" in text or "metastore" in text.lower():
                raise CatalogUnavailableError(
                    f"the Hive metastore is unavailable: {_first_line(exc)}",
                    hint="the embedded Derby metastore admits one process at a time: stop the "
                    "other vts process using $VTS_HOME/metastore and retry",
                ) from exc
            raise CatalogError(f"Spark SQL failed: {_first_line(exc)}") from exc

    def _name(self, database: str, table: str) -> str:
        return f"{quote_identifier(database)}.{quote_identifier(table)}"

    def ensure_database(self, database: str) -> None:
        self._sql(f"CREATE DATABASE IF NOT EXISTS {quote_identifier(database)}")

    def get_table(self, database: str, table: str) -> TableSpec | None:
        if not self.spark.catalog.databaseExists(database):
            return None
        if not self.spark.catalog.tableExists(f"{database}.{table}"):
            return None
        described = collect(self._sql(f"DESCRIBE FORMATTED {self._name(database, table)}"))
        location = next(
            (r["data_type"] for r in described if r["col_name"].strip() == "Location"), ""
        )
        columns: list[Column] = []
        partitions: list[Column] = []
        for col in self.spark.catalog.listColumns(f"{database}.{table}"):
            (partitions if col.isPartition else columns).append(Column(col.name, col.dataType))
        return TableSpec(database, table, location, tuple(columns), tuple(partitions))

    def create_table(self, spec: TableSpec) -> None:
        partitioned = (
            f" PARTITIONED BY ({_columns_sql(spec.partition_columns)})"
            if spec.partition_columns
            else ""
        )
        self._sql(
            f"CREATE EXTERNAL TABLE {self._name(spec.database, spec.name)} "
            f"({_columns_sql(spec.columns)}){partitioned} STORED AS PARQUET "
            f"LOCATION {quote_string(spec.location)} "
            "TBLPROPERTIES ('classification'='parquet')"
        )

    def add_columns(self, database: str, table: str, columns: Sequence[Column]) -> None:
        if columns:
            self._sql(
                f"ALTER TABLE {self._name(database, table)} ADD COLUMNS ({_columns_sql(columns)})"
            )

    def list_partitions(self, database: str, table: str) -> set[str]:
        spec = self.get_table(database, table)
        if spec is None:
            raise CatalogError(f"no table {database}.{table}", hint="run `vts crawl` first")
        if not spec.partition_columns:
            return set()
        rows = collect(self._sql(f"SHOW PARTITIONS {self._name(database, table)}"))
        return {_unescape_spec(r[0]) for r in rows}

    def add_partitions(self, database: str, table: str, partitions: Sequence[Partition]) -> int:
        if not partitions:
            return 0
        have = self.list_partitions(database, table)
        new = list({p.spec: p for p in partitions if p.spec not in have}.values())
        for chunk in _chunks(new, PARTITION_CHUNK):
            clauses = " ".join(
                "PARTITION ("
                + ", ".join(f"{quote_identifier(k)}={quote_string(v)}" for k, v in p.values)
                + f") LOCATION {quote_string(p.location)}"
                for p in chunk
            )
            self._sql(f"ALTER TABLE {self._name(database, table)} ADD IF NOT EXISTS {clauses}")
        logger.info("registered %d new partitions of %s.%s", len(new), database, table)
        return len(new)


def _unescape_spec(spec: str) -> str:
    """``SHOW PARTITIONS`` escapes values as Hive folder names; undo it."""
    parts = []
    for part in spec.split("/"):
        key, _, value = part.partition("=")
        parts.append(f"{unquote(key)}={unquote(value)}")
    return "/".join(parts)


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "desc", None) or str(exc)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
