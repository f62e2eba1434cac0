"""The job's pipeline as ``DataFrame -> DataFrame`` functions (no I/O; tests run them on
tiny static DataFrames).

``events(kafka_df, config)`` chains them: Kafka records in, one row per record out, each
either a valid event of one table (typed contract columns, ``_dest`` = the table, ``dt``/
``hr`` from its event time in UTC) or a quarantine row (``_dest`` = ``quarantine``, the
reason, raw bytes and Kafka coordinates, ``dt``/``hr`` from ingest time):

1. ``validate``: the records go to Python workers in Arrow batches
   (``DataFrame.mapInArrow``), where the contract's own code decodes, normalises and
   validates them (``vts.stream.validation``, ``vts.contract.fast``);
2. ``route``: destination, partition columns, dedup key.
``deduplicate`` (streaming only) then drops repeated ``event_id``s within the watermark.

The processing clock (``now``) is the micro-batch's timestamp (``current_timestamp()`` in
a stream), which Spark keeps in its offset log, so a replayed batch routes and names its
files exactly as the first attempt; it reaches the workers as a column.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from vts.contract.events import EVENT_TYPES, event_type
from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
from vts.stream.validation import (
    INGEST_TS,
    NOW,
    REASON,
    TABLE,
    VALUE,
    BatchValidator,
    output_schema,
)

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import StructType

logger = logging.getLogger(__name__)

DEST = "_dest"
DEDUP_KEY = "_dedup_key"
PARTITION_COLUMNS = ("dt", "hr")
# The quarantine dataset's columns (besides dt/hr), in file order.
QUARANTINE_COLUMNS = (
    "topic",
    "kafka_partition",
    "kafka_offset",
    "kafka_timestamp",
    "kafka_key",
    "reason",
    "raw_value",
    "raw_text",
    "quarantined_at",
)
__all__ = [
    "DEDUP_KEY",
    "DEST",
    "INGEST_TS",
    "PARTITION_COLUMNS",
    "QUARANTINE_COLUMNS",
    "REASON",
    "TABLE",
    "TransformConfig",
    "deduplicate",
    "events",
    "route",
    "table_columns",
    "validate",
]


@dataclass(frozen=True)
class TransformConfig:
    """What the transforms need to know: topics -> tables, the v0 time zone, the clock.

    Topic names are ``topic_prefix + table``. ``now=None`` uses Spark's
    ``current_timestamp()`` (the micro-batch time in a stream); tests may pin it.
    """

    tables: tuple[str, ...] = TOPIC_NAMES
    topic_prefix: str = ""
    v0_timezone: str = "UTC"
    now: datetime | None = field(default=None)

    def __post_init__(self) -> None:
        for table in self.tables:
            event_type(table)

    def topic(self, table: str) -> str:
        return self.topic_prefix + table


def _now(config: TransformConfig) -> Column:
    from pyspark.sql import functions as F

    if config.now is None:
        return F.current_timestamp()
    return F.lit(config.now).cast("timestamp")


def validated_schema() -> StructType:
    """The Spark schema of ``validate``'s rows (from the workers' Arrow schema)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(output_schema())


def validate(kafka_df: DataFrame, config: TransformConfig) -> DataFrame:
    """Kafka records -> envelope, ``_table``, ``_reason`` (null when valid), the clock and
    every contract column typed, judged by the contract's code on the Python workers."""
    from pyspark.sql import functions as F

    records = kafka_df.select(
        F.col("topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.decode(F.col("key"), "UTF-8").alias("kafka_key"),
        F.col("value").alias(VALUE),
        _now(config).alias(NOW),
    )
    judge = BatchValidator(config.tables, config.topic_prefix, config.v0_timezone)
    with warnings.catch_warnings():
        # PySpark 3.5 checks the pandas version with distutils' deprecated LooseVersion
        warnings.filterwarnings("ignore", "distutils Version classes", DeprecationWarning)
        return records.mapInArrow(judge, validated_schema())


def route(parsed: DataFrame) -> DataFrame:
    """Destination, partition columns (UTC) and the dedup key of each row.

    Valid rows go to their table, partitioned by event time; invalid ones to quarantine,
    partitioned by ingest time and keyed by their Kafka coordinates (never deduplicated).
    A valid row's typed values are one struct column named after its table (null in the
    other tables' columns): a row then carries one struct, not every table's columns,
    through the dedup shuffle and the batch's cache.
    """
    from pyspark.sql import functions as F

    valid = F.col(REASON).isNull()
    when_ts = F.when(valid, F.col("ts")).otherwise(F.col(INGEST_TS))
    quarantine_only = {
        "reason": F.col(REASON),
        "raw_value": F.col("raw_value"),
        "raw_text": F.col("raw_text"),
        "quarantined_at": F.col(INGEST_TS),
    }
    kafka_key = F.concat_ws(
        "/",
        F.lit(QUARANTINE_TABLE),
        F.col("topic"),
        F.col("kafka_partition").cast("string"),
        F.col("kafka_offset").cast("string"),
    )
    return parsed.select(
        F.when(valid, F.col(TABLE)).otherwise(F.lit(QUARANTINE_TABLE)).alias(DEST),
        F.date_format(when_ts, "yyyy-MM-dd").alias("dt"),
        F.date_format(when_ts, "HH").alias("hr"),
        F.when(valid, F.concat_ws("/", F.col(TABLE), F.col("event_id")))
        .otherwise(kafka_key)
        .alias(DEDUP_KEY),
        F.col(INGEST_TS),
        "topic",
        "kafka_partition",
        "kafka_offset",
        "kafka_timestamp",
        "kafka_key",
        *[F.when(~valid, expr).alias(name) for name, expr in quarantine_only.items()],
        *[
            F.when(valid & (F.col(TABLE) == table), F.struct(*et.field_names)).alias(table)
            for table, et in EVENT_TYPES.items()
        ],
    )


def events(kafka_df: DataFrame, config: TransformConfig) -> DataFrame:
    """Kafka records -> routed rows (``validate`` -> ``route``)."""
    return route(validate(kafka_df, config))


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
