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
            if len(present) == 1:
                yield self.judge(batch, present[0])
                continue
            # several topics: one reordering by topic, then a zero-copy slice per topic
            batch = batch.take(pc.sort_indices(topics, null_placement="at_end"))
            start = 0
            for topic, length in _runs(batch.column("topic")):
                yield self.judge(batch.slice(start, length), topic)
                start += length

    def judge(self, batch: pa.RecordBatch, topic: str | None) -> pa.RecordBatch:
        """One topic's records -> output rows."""
        n = batch.num_rows
        raws = _values(batch.column(VALUE))
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
        try:
            reason_array = pa.array(reasons, pa.string())
        except (UnicodeEncodeError, pa.ArrowException):  # a reason quoting a lone surrogate
            reason_array = pa.array([None if r is None else _text(r) for r in reasons])
        if reason_array.null_count == n:  # all valid: nothing to quarantine
            raw_value, raw_text = pa.nulls(n, pa.binary()), pa.nulls(n, pa.string())
        else:
            # (a Python loop, not pc.if_else: that breaks on sliced binary arrays, pyarrow 21)
            kept: list[bytes | None] = [None] * n
            texts: list[str | None] = [None] * n
            for i, reason in enumerate(reasons):
                raw = raws[i]
                if reason is not None and raw is not None:
                    kept[i] = bytes(raw)
                    texts[i] = kept[i].decode("utf-8", "replace")  # type: ignore[union-attr]
            raw_value = pa.array(kept, pa.binary())
            raw_text = pa.array(texts, pa.string())
        table = None if validator is None else validator.event_type.name
        arrays: list[pa.Array] = [
            batch.column("topic"),
            batch.column("kafka_partition"),
            batch.column("kafka_offset"),
            batch.column("kafka_timestamp").cast(_TIMESTAMP),
            batch.column("kafka_key"),
            raw_value,
            raw_text,
            pa.repeat(pa.scalar(table, pa.string()), n),
            reason_array,
            now_column.cast(_TIMESTAMP),
        ]
        for field in list(self._schema)[len(arrays) :]:
            column = columns.get(field.name)
            arrays.append(pa.nulls(n, field.type) if column is None else column)
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)


def _runs(topics: pa.Array) -> Iterator[tuple[str | None, int]]:
    """``(value, length)`` of each run of equal values in a sorted column."""
    n = len(topics)
    change = pc.fill_null(pc.not_equal(topics.slice(1), topics.slice(0, n - 1)), True)
    starts = [0, *(pc.indices_nonzero(change).to_numpy() + 1).tolist(), n]
    for a, b in zip(starts, starts[1:], strict=False):
        yield topics[a].as_py(), b - a


def _values(array: pa.Array) -> list[bytes | None]:
    """The Kafka values of a binary column as a list (numpy's conversion: ~10x faster
    than ``to_pylist``)."""
    values: list[bytes | None] = array.to_numpy(zero_copy_only=False).tolist()
    return values
