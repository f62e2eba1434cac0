"""The job's Python side: Kafka records in Arrow batches -> judged, typed rows in Arrow.

``validate_batches`` is the function the job hands to ``DataFrame.mapInArrow``; it runs
on Spark's Python workers and needs only pyarrow, msgspec and ``vts.contract`` (no
pyspark). Each input batch holds Kafka records (``INPUT_COLUMNS``); each output batch
holds, per record, the envelope (topic, Kafka coordinates and key), the table, the
reason (null when valid), the processing clock, the raw value and its text (invalid
rows only) and every contract column typed (null in invalid rows and in other tables'
columns), in the order of ``output_schema``.

The rules are the contract's (``vts.contract.fast.MessageValidator``); this module only
moves data between Arrow and the validator.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from vts.contract.events import union_fields
from vts.contract.fast import ARROW_TYPES, MessageValidator

TABLE = "_table"
REASON = "_reason"
INGEST_TS = "_ingest_ts"
NOW = "_now"
VALUE = "value"
# What the job selects from the Kafka source for the workers (kafka_key decoded by Spark).
INPUT_COLUMNS = (
    "topic",
    "kafka_partition",
    "kafka_offset",
    "kafka_timestamp",
    "kafka_key",
    VALUE,
    NOW,
)
ENVELOPE = ("topic", "kafka_partition", "kafka_offset", "kafka_timestamp", "kafka_key")
_TIMESTAMP = pa.timestamp("us", tz="UTC")


def output_schema() -> pa.Schema:
    """The Arrow schema of ``validate_batches``' output (``transforms`` mirrors it)."""
    fields = [
        pa.field("topic", pa.string()),
        pa.field("kafka_partition", pa.int32()),
        pa.field("kafka_offset", pa.int64()),
        pa.field("kafka_timestamp", _TIMESTAMP),
        pa.field("kafka_key", pa.string()),
        pa.field("raw_value", pa.binary()),
        pa.field("raw_text", pa.string()),
        pa.field(TABLE, pa.string()),
        pa.field(REASON, pa.string()),
        pa.field(INGEST_TS, _TIMESTAMP),
    ]
    fields += [pa.field(name, ARROW_TYPES[f.type]) for name, f in union_fields().items()]
    return pa.schema(fields)


def _text(value: str) -> str:
    """``value`` as valid UTF-8 (a reason may quote a lone surrogate from the message)."""
    return value if value.isascii() else value.encode("utf-8", "backslashreplace").decode()


@dataclass(frozen=True)
class BatchValidator:
    """``mapInArrow``'s function: ``BatchValidator(tables, prefix, tz)(batches)``.

    Topics are ``topic_prefix + table``; a record of any other topic is quarantined as
    ``unknown_topic``. Picklable (Spark ships it to the workers); the validators are
    built once per worker process.
    """

    tables: tuple[str, ...]
    topic_prefix: str = ""
    v0_timezone: str = "UTC"

    @cached_property
    def _validators(self) -> dict[str, MessageValidator]:
        return {
            self.topic_prefix + t: MessageValidator(t, v0_timezone=self.v0_timezone)
            for t in self.tables
        }

    @cached_property
    def _schema(self) -> pa.Schema:
        return output_schema()

    def __getstate__(self) -> dict[str, Any]:  # ship the settings, not the caches
        return {k: getattr(self, k) for k in ("tables", "topic_prefix", "v0_timezone")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            topics = batch.column("topic")
            present = pc.unique(topics).to_pylist()
            for topic in present:
                if len(present) == 1:
                    part = batch
                else:
                    mask = pc.is_null(topics) if topic is None else pc.equal(topics, topic)
                    part = batch.filter(mask)
                yield self.judge(part, topic)

    def judge(self, batch: pa.RecordBatch, topic: str | None) -> pa.RecordBatch:
        """One topic's records -> output rows."""
        n = batch.num_rows
        raws: list[bytes | None] = batch.column(VALUE).to_pylist()
        now_column = batch.column(NOW)
        now = now_column[0].as_py() if n else datetime.now(UTC)
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        validator = self._validators.get(topic) if topic is not None else None
        columns: dict[str, pa.Array] = {}
        if validator is None:
            reasons: list[str | None] = [f"unknown_topic: {topic}"] * n
        else:
            verdicts = validator.validate(raws, now)
            reasons = verdicts.reasons
            columns = verdicts.columns
        reason_array = pa.array([None if r is None else _text(r) for r in reasons], pa.string())
        if reason_array.null_count == n:  # all valid: nothing to quarantine
            raw_value, raw_text = pa.nulls(n, pa.binary()), pa.nulls(n, pa.string())
        else:
            valid = reason_array.is_null()
            raw_value = pc.if_else(valid, pa.scalar(None, pa.binary()), batch.column(VALUE))
            raw_text = pa.array(
                [None if r is None or raw is None else raw.decode("utf-8", "replace")
                 for raw, r in zip(raws, reasons, strict=True)],
                pa.string(),
            )  # fmt: skip
        table = None if validator is None else validator.event_type.name
        arrays: list[pa.Array] = [
            batch.column("topic"),
            batch.column("kafka_partition"),
            batch.column("kafka_offset"),
            batch.column("kafka_timestamp").cast(_TIMESTAMP),
            batch.column("kafka_key"),
            raw_value,
            raw_text,
            pa.array([table] * n, pa.string()),
            reason_array,
            now_column.cast(_TIMESTAMP),
        ]
        for field in list(self._schema)[len(arrays) :]:
            column = columns.get(field.name)
            arrays.append(pa.nulls(n, field.type) if column is None else column)
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)
