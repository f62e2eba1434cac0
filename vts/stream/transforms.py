"""The job's pipeline as ``DataFrame -> DataFrame`` functions (no I/O; tests run them on
tiny static DataFrames).

``events(kafka_df, config)``: Kafka records in, one row per record out, each either a
valid event of one table (its typed contract values in the table's struct column,
``_dest`` = the table, ``dt``/``hr`` from its event time in UTC) or a quarantine row
(``_dest`` = ``quarantine``, the reason, raw bytes and Kafka coordinates, ``dt``/``hr``
from ingest time). The records go to Python workers in Arrow batches
(``DataFrame.mapInArrow``), where the contract's own code decodes, normalises and
validates them and routes the verdicts (``vts.stream.validation``, ``vts.contract.fast``).
``deduplicate`` (streaming only) then drops repeated ``event_id``s within the watermark.

The processing clock (``now``) is the micro-batch's timestamp, which Spark keeps in its
offset log, so a replayed batch routes and names its files exactly as the first attempt;
the sink reads it there and the workers get it as a local property of the batch's jobs
(``vts.stream.validation.BATCH_TIME_PROPERTY``; why not a column: see that module).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vts.contract.events import event_type
from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
from vts.stream.layout import LakeLayout
from vts.stream.objects import ParquetFiles
from vts.stream.staging import KEY_SCHEMA, StagingWriter
from vts.stream.validation import (
    DEDUP_KEY,
    DEST,
    INGEST_TS,
    PARTITION_COLUMNS,
    QUARANTINE_COLUMNS,
    VALUE,
    BatchValidator,
    output_schema,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

logger = logging.getLogger(__name__)

__all__ = [
    "DEDUP_KEY",
    "DEST",
    "INGEST_TS",
    "PARTITION_COLUMNS",
    "QUARANTINE_COLUMNS",
    "TransformConfig",
    "deduplicate",
    "events",
    "staged_keys",
    "table_columns",
]


@dataclass(frozen=True)
class TransformConfig:
    """What the transforms need to know: topics -> tables, the v0 time zone, the clock.

    Topic names are ``topic_prefix + table``. ``now=None`` uses the micro-batch's
    timestamp (``LakeSink`` hands it to the workers); tests may pin it (aware).
    """

    tables: tuple[str, ...] = TOPIC_NAMES
    topic_prefix: str = ""
    v0_timezone: str = "UTC"
    now: datetime | None = field(default=None)

    def __post_init__(self) -> None:
        for table in self.tables:
            event_type(table)
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError("TransformConfig(now=...) must be timezone-aware")

    def topic(self, table: str) -> str:
        return self.topic_prefix + table


def routed_schema() -> StructType:
    """The Spark schema of ``events``' rows (from the workers' Arrow schema)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(output_schema())


def _records(kafka_df: DataFrame) -> DataFrame:
    """The Kafka source's columns the workers read (``INPUT_COLUMNS``)."""
    from pyspark.sql import functions as F

    return kafka_df.select(
        F.col("topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.decode(F.col("key"), "UTF-8").alias("kafka_key"),
        F.col("value").alias(VALUE),
    )


def _judge(config: TransformConfig) -> BatchValidator:
    return BatchValidator(config.tables, config.topic_prefix, config.v0_timezone, config.now)


def _map_in_arrow(frame: DataFrame, function: Any, schema: StructType) -> DataFrame:
    with warnings.catch_warnings():
        # PySpark 3.5 checks the pandas version with distutils' deprecated LooseVersion
        warnings.filterwarnings("ignore", "distutils Version classes", DeprecationWarning)
        return frame.mapInArrow(function, schema)


def events(kafka_df: DataFrame, config: TransformConfig) -> DataFrame:
    """Kafka records -> routed rows (``vts.stream.validation.output_schema``), judged by
    the contract's code on the Python workers."""
    return _map_in_arrow(_records(kafka_df), _judge(config), routed_schema())


def staged_keys(
    kafka_df: DataFrame, config: TransformConfig, layout: LakeLayout, files: ParquetFiles
) -> DataFrame:
    """Kafka records -> the micro-batch's files staged by the workers, and one key row
    per record (``vts.stream.staging.KEY_SCHEMA``) for the dedup and the sink."""
    from pyspark.sql.pandas.types import from_arrow_schema

    writer = StagingWriter(_judge(config), layout, files)
    return _map_in_arrow(_records(kafka_df), writer, from_arrow_schema(KEY_SCHEMA))


def deduplicate(routed: DataFrame, watermark: str) -> DataFrame:
    """Drop rows whose dedup key was seen within ``watermark`` (a stream's state).

    The watermark runs on ingest time (the micro-batch clock), not event time: an
    event-time watermark would also silently drop *late* valid events (a replayed
    simulator window, a producer with a skewed clock), which the lake must keep. So a
    duplicate is dropped when it arrives within ``watermark`` of the first copy.
    """
    return routed.withWatermark(INGEST_TS, watermark).dropDuplicatesWithinWatermark([DEDUP_KEY])


def table_columns(table: str) -> list[str]:
    """The file columns of a destination, as ``select`` paths of ``route``'s rows (the
    contract fields in the table's struct column, or the quarantine columns)."""
    if table == QUARANTINE_TABLE:
        return list(QUARANTINE_COLUMNS)
    return [f"{table}.{name}" for name in event_type(table).field_names]
