"""The job's Python side: Kafka records in Arrow batches -> judged, routed rows in Arrow.

``BatchValidator`` is the function the job hands to ``DataFrame.mapInArrow``; it runs on
Spark's Python workers and needs only pyarrow, msgspec and ``vts.contract`` (and, for a
stream's clock, pyspark's ``TaskContext``).
Each input batch holds Kafka records (``INPUT_COLUMNS``); each output batch holds, per
record, a row in the order of ``output_schema``:

- where it goes: ``_dest`` (its table, or ``quarantine``), the partition columns ``dt``/
  ``hr`` (UTC; from the event time of a valid row, from the ingest time of a quarantined
  one), the dedup key (``<table>/<event_id>``, or the Kafka coordinates of a quarantined
  row, so invalid rows never collapse into one key) and the ingest time (the processing
  clock, which the dedup watermark runs on);
- the quarantine columns: the Kafka envelope (every row), the reason, the raw value and
  its text and ``quarantined_at`` (quarantined rows only);
- one struct column per table, holding a valid row's typed contract values (null in the
  other tables' columns and in quarantined rows).

The Python side builds the whole row: the JVM then reads a handful of columns per row
instead of every table's columns, and computes nothing per row before the dedup.

The processing clock is the micro-batch's timestamp. It reaches the workers as a local
property of the batch's Spark jobs (``BATCH_TIME_PROPERTY``, set by the sink from the
checkpoint's offset log), not as a column: a column would carry a literal that changes
with every batch, and Spark inlines such a literal into the generated code of the stage
that reads Kafka, so every batch would compile, and the JVM re-optimise, its own copy of
the job's hottest loop.

The rules are the contract's (``vts.contract.fast.MessageValidator``); this module only
moves data between Arrow and the validator and routes the verdicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from vts.contract.events import EVENT_TYPES, EventType
from vts.contract.fast import ARROW_TYPES, MessageValidator
from vts.contract.topics import QUARANTINE_TABLE

DEST = "_dest"
DEDUP_KEY = "_dedup_key"
INGEST_TS = "_ingest_ts"
VALUE = "value"
PARTITION_COLUMNS = ("dt", "hr")
ENVELOPE = ("topic", "kafka_partition", "kafka_offset", "kafka_timestamp", "kafka_key")
# What the job selects from the Kafka source for the workers (kafka_key decoded by Spark).
INPUT_COLUMNS = (*ENVELOPE, VALUE)
# The local property of a micro-batch's jobs that holds its timestamp (epoch milliseconds).
BATCH_TIME_PROPERTY = "vts.batch_time_ms"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The quarantine dataset's columns (besides dt/hr), in file order.
QUARANTINE_COLUMNS = (*ENVELOPE, "reason", "raw_value", "raw_text", "quarantined_at")
_TIMESTAMP = pa.timestamp("us", tz="UTC")


def table_type(et: EventType) -> pa.StructType:
    """The struct type of ``et``'s column: its contract fields, typed, in contract order."""
    return pa.struct([pa.field(f.name, ARROW_TYPES[f.type]) for f in et.fields])


def output_schema() -> pa.Schema:
    """The Arrow schema of ``BatchValidator``'s output (``transforms`` mirrors it)."""
    fields = [
        pa.field(DEST, pa.string()),
        pa.field("dt", pa.string()),
        pa.field("hr", pa.string()),
        pa.field(DEDUP_KEY, pa.string()),
        pa.field(INGEST_TS, _TIMESTAMP),
        pa.field("topic", pa.string()),
        pa.field("kafka_partition", pa.int32()),
        pa.field("kafka_offset", pa.int64()),
        pa.field("kafka_timestamp", _TIMESTAMP),
        pa.field("kafka_key", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("raw_value", pa.binary()),
        pa.field("raw_text", pa.string()),
        pa.field("quarantined_at", _TIMESTAMP),
    ]
    fields += [pa.field(table, table_type(et)) for table, et in EVENT_TYPES.items()]
    return pa.schema(fields)


def _text(value: str) -> str:
    """``value`` as valid UTF-8 (a reason may quote a lone surrogate from the message)."""
    return value if value.isascii() else value.encode("utf-8", "backslashreplace").decode()


@dataclass(frozen=True)
class BatchValidator:
    """``mapInArrow``'s function: ``BatchValidator(tables, prefix, tz)(batches)``.

    Topics are ``topic_prefix + table``; a record of any other topic is quarantined as
    ``unknown_topic``. The clock is ``now`` when given (tests pin it), else the
    micro-batch's timestamp from the task's ``BATCH_TIME_PROPERTY``. Picklable (Spark
    ships it to the workers); the validators are built once per worker process.
    """

    tables: tuple[str, ...]
    topic_prefix: str = ""
    v0_timezone: str = "UTC"
    now: datetime | None = None

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
        return {k: getattr(self, k) for k in ("tables", "topic_prefix", "v0_timezone", "now")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        now = self.now if self.now is not None else batch_clock()
        for batch in batches:
            if batch.num_rows == 0:
                continue
            topics = batch.column("topic")
            present = pc.unique(topics).to_pylist()
            if len(present) == 1:
                yield self.judge(batch, present[0], now)
                continue
            # several topics: one reordering by topic, then a zero-copy slice per topic
            batch = batch.take(pc.sort_indices(topics, null_placement="at_end"))
            start = 0
            for topic, length in _runs(batch.column("topic")):
                yield self.judge(batch.slice(start, length), topic, now)
                start += length

    def judge(self, batch: pa.RecordBatch, topic: str | None, now: datetime) -> pa.RecordBatch:
        """One topic's records -> output rows, judged with the clock ``now`` (aware)."""
        n = batch.num_rows
        raws = _values(batch.column(VALUE))
        ingest = pa.repeat(pa.scalar(now, _TIMESTAMP), n)
        validator = self._validators.get(topic) if topic is not None else None
        if validator is None:
            reasons: list[str | None] = [f"unknown_topic: {topic}"] * n
            columns: dict[str, pa.Array] = {}
        else:
            verdicts = validator.validate(raws, now)
            reasons, columns = verdicts.reasons, verdicts.columns
        try:
            reason = pa.array(reasons, pa.string())
        except (UnicodeEncodeError, pa.ArrowException):  # a reason quoting a lone surrogate
            reason = pa.array([None if r is None else _text(r) for r in reasons])
        valid = pc.is_null(reason)
        all_valid = reason.null_count == n
        raw_value, raw_text = _raw_of_invalid(reasons, raws, all_valid)
        envelope = [
            batch.column(name).cast(_TIMESTAMP) if name == "kafka_timestamp" else batch.column(name)
            for name in ENVELOPE
        ]
        if validator is None:
            dest: pa.Array = pa.repeat(pa.scalar(QUARANTINE_TABLE), n)
            when, key = ingest, _quarantine_key(batch)
        else:
            table = validator.event_type.name
            dest = pc.if_else(valid, table, QUARANTINE_TABLE)
            when = pc.coalesce(columns["ts"], ingest)  # a valid row's ts is never null
            key = pc.binary_join_element_wise(table, columns["event_id"], "/")
            if not all_valid:  # quarantined rows take their Kafka coordinates
                key = pc.if_else(valid, key, _quarantine_key(batch))
        arrays: list[pa.Array] = [
            dest,
            *_date_and_hour(when),
            key,
            ingest,
            *envelope,
            reason,
            raw_value,
            raw_text,
            pc.if_else(valid, pa.scalar(None, _TIMESTAMP), ingest),
        ]
        for name, et in EVENT_TYPES.items():
            struct = self._schema.field(name).type
            if validator is None or validator.event_type is not et:
                arrays.append(pa.nulls(n, struct))
                continue
            children = [columns[f.name] for f in et.fields]
            invalid = pc.invert(valid)  # the mask marks null structs
            arrays.append(pa.StructArray.from_arrays(children, fields=list(struct), mask=invalid))
        return pa.RecordBatch.from_arrays(arrays, schema=self._schema)


def batch_clock() -> datetime:
    """The micro-batch's timestamp, from the running Spark task's ``BATCH_TIME_PROPERTY``."""
    from pyspark.taskcontext import TaskContext

    context = TaskContext.get()
    millis = context.getLocalProperty(BATCH_TIME_PROPERTY) if context is not None else None
    if millis is None:
        raise RuntimeError(
            f"no micro-batch time: the Spark job carries no {BATCH_TIME_PROPERTY} property "
            "(LakeSink sets it from the checkpoint's offset log); outside a stream, pin the "
            "clock with TransformConfig(now=...)"
        )
    return _EPOCH + timedelta(milliseconds=int(millis))


def _quarantine_key(batch: pa.RecordBatch) -> pa.Array:
    """The dedup key of quarantined rows: their Kafka coordinates (unique per record)."""
    return pc.binary_join_element_wise(
        QUARANTINE_TABLE,
        batch.column("topic"),
        batch.column("kafka_partition").cast(pa.string()),
        batch.column("kafka_offset").cast(pa.string()),
        "/",
        null_handling="skip",
    )


def _date_and_hour(ts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``dt`` (``yyyy-MM-dd``) and ``hr`` (``HH``) of UTC timestamps (casts, not
    ``strftime``: 20x cheaper)."""
    hour = pc.utf8_lpad(pc.hour(ts).cast(pa.string()), 2, "0")
    return ts.cast(pa.date32()).cast(pa.string()), hour


def _raw_of_invalid(
    reasons: list[str | None], raws: list[bytes | None], all_valid: bool
) -> tuple[pa.Array, pa.Array]:
    """The raw values and their text, of the invalid rows only (null in valid rows)."""
    n = len(reasons)
    if all_valid:  # nothing to quarantine
        return pa.nulls(n, pa.binary()), pa.nulls(n, pa.string())
    # (a Python loop, not pc.if_else: that breaks on sliced binary arrays, pyarrow 21)
    kept: list[bytes | None] = [None] * n
    texts: list[str | None] = [None] * n
    for i, reason in enumerate(reasons):
        raw = raws[i]
        if reason is not None and raw is not None:
            kept[i] = data = bytes(raw)
            texts[i] = data.decode("utf-8", "replace")
    return pa.array(kept, pa.binary()), pa.array(texts, pa.string())


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
