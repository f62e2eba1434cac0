"""The job's pipeline as ``DataFrame -> DataFrame`` functions (no I/O; tests run them on
tiny static DataFrames).

``events(kafka_df, config)`` chains them: Kafka records in, one row per record out, each
either a valid event of one table (typed contract columns, ``_dest`` = the table, ``dt``/
``hr`` from its event time in UTC) or a quarantine row (``_dest`` = ``quarantine``, the
reason, raw bytes and Kafka coordinates, ``dt``/``hr`` from ingest time):

1. ``decode``: size limit, UTF-8, one JSON value, an object — the checks of
   ``vts.contract.normalise.decode`` and the start of ``normalise`` — and the parse
   columns of ``json_tokens`` for the message's topic.
2. ``parse``: version, event time, then ``messages.topic_rules`` of the row's topic: the
   first reason (same code and field as the Python validator) or the typed columns.
3. ``route``: destination, partition columns, dedup key.
``deduplicate`` (streaming only) then drops repeated ``event_id``s within the watermark.

The processing clock (``now``) is the micro-batch's timestamp, which Spark keeps in its
offset log, so a replayed batch routes and names its files exactly as the first attempt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from vts.contract.events import EVENT_TYPES, event_type
from vts.contract.fields import Field
from vts.contract.normalise import MAX_MESSAGE_BYTES
from vts.contract.topics import QUARANTINE_TABLE, TOPIC_NAMES
from vts.stream.json_tokens import (
    OTHER_OK_COLUMN,
    SUSPICIOUS,
    TYPE_COLUMN,
    KeySpace,
    first_char,
    full_probe_columns,
    has_key,
    is_single_object,
    keys_column,
    number_column,
    shape_columns,
    suspicious,
    wrap_column,
)
from vts.stream.messages import (
    IS_V0,
    IS_V1,
    NOW,
    TS,
    key_space,
    topic_rules,
    views_column,
    views_struct,
)
from vts.stream.timestamps import parse_iso

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

logger = logging.getLogger(__name__)

DEST = "_dest"
REASON = "_reason"
DEDUP_KEY = "_dedup_key"
INGEST_TS = "_ingest_ts"
TABLE = "_table"
PARSE_METRICS = "vts_parse"
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
_ENVELOPE = (
    "topic",
    "kafka_partition",
    "kafka_offset",
    "kafka_timestamp",
    "kafka_key",
    "raw_value",
    "raw_text",
    TABLE,
)


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

    @property
    def spaces(self) -> list[KeySpace]:
        return [key_space(t) for t in self.tables]


def union_fields() -> dict[str, Field]:
    """Every contract column across the five tables (a name has one type everywhere)."""
    fields: dict[str, Field] = {}
    for et in EVENT_TYPES.values():
        for f in et.fields:
            known = fields.setdefault(f.name, f)
            if known.type != f.type:  # pragma: no cover - guarded by a test
                raise ValueError(f"{f.name} is {known.type} in one table, {f.type} in another")
    return fields


def _with(df: DataFrame, columns: dict[str, Column]) -> DataFrame:
    """Add named columns in one projection; later stages read them by name, so Spark
    computes each once instead of inlining it into every rule that uses it."""
    return df.select("*", *[expr.alias(name) for name, expr in columns.items()])


def _per_table(config: TransformConfig, build: dict[str, Column]) -> Column:
    """``CASE _table WHEN t THEN build[t] ... END``: only the row's topic is evaluated."""
    from pyspark.sql import functions as F

    case = F.when(F.lit(False), F.lit(None))
    for table in config.tables:
        case = case.when(F.col(TABLE) == table, build[table])
    return case


def decode(kafka_df: DataFrame, config: TransformConfig) -> DataFrame:
    """Kafka records -> envelope columns, ``_decode_reason`` and the parse columns."""
    from pyspark.sql import functions as F

    prefix = len(config.topic_prefix)
    envelope = kafka_df.select(
        F.col("topic"),
        F.col("partition").alias("kafka_partition"),
        F.col("offset").alias("kafka_offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.decode(F.col("key"), "UTF-8").alias("kafka_key"),
        F.col("value").alias("raw_value"),
        F.decode(F.col("value"), "UTF-8").alias("raw_text"),
        F.when(
            F.col("topic").isin(*[config.topic(t) for t in config.tables]),
            F.substring("topic", prefix + 1, 10_000),
        ).alias(TABLE),
    )
    value, text = F.col("raw_value"), F.col("raw_text")
    size = F.length(value)
    pre_reason = (
        F.when(F.col(TABLE).isNull(), F.concat(F.lit("unknown_topic: "), F.col("topic")))
        .when(value.isNull(), F.lit("invalid_json: the Kafka record has no value"))
        .when(
            size > MAX_MESSAGE_BYTES,
            F.format_string(f"oversized: %d bytes, limit {MAX_MESSAGE_BYTES}", size),
        )
        .when(F.encode(text, "UTF-8") != value, F.lit("invalid_utf8: not UTF-8"))
    )
    staged = _with(envelope, {"_pre_reason": pre_reason})
    readable = F.col("_pre_reason").isNull()
    staged = _with(staged, shape_columns(text, readable))
    spaces = config.spaces
    is_object = readable & (first_char(text) == "{")
    wraps: dict[str, Column] = {}
    for space in spaces:
        wraps.update(wrap_column(text, is_object & (F.col(TABLE) == space.name), space))
    staged = _with(staged, wraps)
    json_ok = F.when(
        F.col(TYPE_COLUMN) == "dict",
        _per_table(config, {s.name: is_single_object(s) for s in spaces}),
    ).otherwise(F.coalesce(F.col(OTHER_OK_COLUMN), F.lit(False)))
    reason = F.coalesce(
        F.col("_pre_reason"),
        F.when(
            ~F.coalesce(json_ok, F.lit(False)), F.lit("invalid_json: not a single JSON value")
        ).when(
            F.col(TYPE_COLUMN) != "dict",
            F.concat(
                F.lit("wrong_type: message is a JSON "), F.col(TYPE_COLUMN), F.lit(", not object")
            ),
        ),
    )
    staged = _with(staged, {"_decode_reason": reason})
    parsed = F.col("_decode_reason").isNull()
    columns = keys_column(text, parsed)
    for space in spaces:
        columns.update(number_column(text, parsed & (F.col(TABLE) == space.name), space))
    staged = _with(staged, columns)
    doubt = _per_table(config, {s.name: suspicious(s) for s in spaces})
    staged = _with(staged, {SUSPICIOUS: parsed & F.coalesce(doubt, F.lit(False))})
    probes: dict[str, Column] = {}
    for space in spaces:
        on = F.col(SUSPICIOUS) & (F.col(TABLE) == space.name)
        probes.update(full_probe_columns(text, on, space))
    return _with(staged, probes)


def _now(config: TransformConfig) -> Column:
    from pyspark.sql import functions as F

    if config.now is None:
        return F.current_timestamp()
    return F.lit(config.now).cast("timestamp")


def parse(decoded: DataFrame, config: TransformConfig) -> DataFrame:
    """Add ``_reason`` (null when valid) and every contract column, typed."""
    from pyspark.sql import functions as F

    spaces = {s.name: s for s in config.spaces}
    is_v1 = has_key("schema_version")
    is_v0 = ~is_v1 & has_key("id") & has_key("timestamp")
    versions = _with(decoded, {IS_V1: is_v1, IS_V0: is_v0, NOW: _now(config)})
    # The event time, parsed once: "ts" with a zone (v1) or "timestamp" in v0_timezone (v0).
    ts_text = _per_table(
        config,
        {
            t: F.when(F.col(IS_V1), s.probe("txt", "ts")).otherwise(s.probe("txt", "timestamp"))
            for t, s in spaces.items()
        },
    )
    v1_ts, _ = parse_iso(ts_text, naive_zone=None)
    v0_ts, _ = parse_iso(ts_text, naive_zone=config.v0_timezone)
    with_ts = _with(
        versions,
        {TS: F.when(F.col(IS_V1), v1_ts).when(F.col(IS_V0), v0_ts).cast("timestamp")},
    )
    with_views = _with(
        with_ts,
        {views_column(t): F.when(F.col(TABLE) == t, views_struct(t)) for t in config.tables},
    )
    rules = {t: topic_rules(t) for t in config.tables}
    per_topic = _per_table(config, {t: r.reason for t, r in rules.items()})
    reason = F.coalesce(F.col("_decode_reason"), per_topic.cast("string"))
    typed: list[Column] = []
    for name, f in union_fields().items():
        column = F.when(F.lit(False), F.lit(None))
        for table, r in rules.items():
            if name in r.values:
                column = column.when(F.col(TABLE) == table, r.values[name])
        typed.append(column.cast(_SPARK_TYPES[f.type]).alias(name))
    parsed = with_views.select(
        *_ENVELOPE, reason.alias(REASON), F.col(NOW).alias(INGEST_TS), *typed
    )
    # An optimizer barrier: a filter on the result (where _reason IS NULL) must not be
    # pushed down through the stages above, where it would be rewritten in terms of each
    # stage's expressions and grow exponentially. Spark does not push filters through
    # observed metrics, which also count each batch's records.
    return parsed.observe(
        PARSE_METRICS,
        F.count(F.lit(1)).alias("records"),
        F.count(F.col(REASON)).alias("invalid"),
    )


_SPARK_TYPES = {"string": "string", "double": "double", "int": "int", "timestamp": "timestamp"}


def route(parsed: DataFrame) -> DataFrame:
    """Destination, partition columns (UTC) and the dedup key of each row.

    Valid rows go to their table, partitioned by event time; invalid ones to quarantine,
    partitioned by ingest time and keyed by their Kafka coordinates (never deduplicated).
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
        *[F.when(valid, F.col(name)).alias(name) for name in union_fields()],
    )


def events(kafka_df: DataFrame, config: TransformConfig) -> DataFrame:
    """Kafka records -> routed rows (``decode`` -> ``parse`` -> ``route``)."""
    return route(parse(decode(kafka_df, config), config))


def deduplicate(routed: DataFrame, watermark: str) -> DataFrame:
    """Drop rows whose dedup key was seen within ``watermark`` (a stream's state).

    The watermark runs on ingest time (the micro-batch clock), not event time: an
    event-time watermark would also silently drop *late* valid events (a replayed
    simulator window, a producer with a skewed clock), which the lake must keep. So a
    duplicate is dropped when it arrives within ``watermark`` of the first copy.
    """
    return routed.withWatermark(INGEST_TS, watermark).dropDuplicatesWithinWatermark([DEDUP_KEY])


def table_columns(table: str) -> list[str]:
    """The file columns of a destination (contract fields, or the quarantine columns)."""
    if table == QUARANTINE_TABLE:
        return list(QUARANTINE_COLUMNS)
    return list(event_type(table).field_names)
