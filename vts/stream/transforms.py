"""The job's pipeline as ``DataFrame -> DataFrame`` functions (tests run them on tiny
static DataFrames).

``staged_keys(kafka_df, config, layout, files)``: Kafka records go to Python workers in
Arrow batches (``DataFrame.mapInArrow``), where the contract's own code decodes,
normalises and validates them (``vts.stream.validation``, ``vts.contract.fast``) and the
rows are written into the micro-batch's staging folder, one file per table partition and
task (``vts.stream.staging``): a valid event under its table, its typed contract values,
``dt``/``hr`` from its event time in UTC; anything else under ``quarantine``, with the
reason, raw bytes and Kafka coordinates, ``dt``/``hr`` from ingest time. What comes back
to the JVM is one narrow row per record: its dedup key, ingest time and where it was
written. ``deduplicate`` (streaming only) then drops repeated keys within the watermark,
and the sink publishes the staged rows whose keys survived.

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
from vts.contract.topics import TOPIC_NAMES
from vts.storage.files import ArrowFiles
from vts.stream.args import interval_seconds
from vts.stream.layout import LakeLayout
from vts.stream.staging import KEY_SCHEMA, StagingWriter
from vts.stream.validation import DEDUP_KEY, INGEST_TS, VALUE, BatchValidator

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

logger = logging.getLogger(__name__)


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

    def validator(self) -> BatchValidator:
        """The workers' function that judges Kafka records by these settings."""
        return BatchValidator(self.tables, self.topic_prefix, self.v0_timezone, self.now)


def kafka_records(kafka_df: DataFrame) -> DataFrame:
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


def map_in_arrow(frame: DataFrame, function: Any, schema: pa.Schema) -> DataFrame:
    """``frame.mapInArrow(function, ...)`` with the Spark schema of the Arrow ``schema``."""
    from pyspark.sql.pandas.types import from_arrow_schema

    with warnings.catch_warnings():
        # PySpark 3.5 checks the pandas version with distutils' deprecated LooseVersion
        warnings.filterwarnings("ignore", "distutils Version classes", DeprecationWarning)
        return frame.mapInArrow(function, from_arrow_schema(schema))


def staged_keys(
    kafka_df: DataFrame, config: TransformConfig, layout: LakeLayout, files: ArrowFiles
) -> DataFrame:
    """Kafka records -> the micro-batch's files staged by the workers, and one key row
    per record (``vts.stream.staging.KEY_SCHEMA``) for the dedup and the sink."""
    writer = StagingWriter(config.validator(), layout, files)
    return map_in_arrow(kafka_records(kafka_df), writer, KEY_SCHEMA)


def deduplicate(routed: DataFrame, watermark: str) -> DataFrame:
    """Drop rows whose dedup key was seen within ``watermark`` (a stream's state).

    The watermark runs on ingest time (the micro-batch clock), not event time: an
    event-time watermark would also silently drop *late* valid events (a replayed
    simulator window, a producer with a skewed clock), which the lake must keep. So a
    duplicate is dropped when it arrives within ``watermark`` of the first copy.

    Spark keeps a key until its watermark, the newest ingest time less the delay, passes
    the key's first ingest time plus the delay: for twice the delay. The delay is half of
    ``watermark``, so a key is kept for ``watermark`` (and a batch): every batch's eviction
    reads every key held, so a key kept twice as long would double that work and the
    state, for no duplicate the option promises to drop.
    """
    delay_ms = interval_seconds(watermark) * 1000 // 2
    return routed.withWatermark(
        INGEST_TS, f"{delay_ms} milliseconds"
    ).dropDuplicatesWithinWatermark([DEDUP_KEY])
