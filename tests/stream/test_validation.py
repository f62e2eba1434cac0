"""The job's Python-worker function on Arrow batches, without Spark."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import pyarrow as pa

from tests.contract.corpus import valid_record
from vts.contract.events import EVENT_TYPES
from vts.stream.validation import BatchValidator, output_schema

NOW = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)


def _batch(records: list[tuple[str, bytes | None]]) -> pa.RecordBatch:
    n = len(records)
    return pa.RecordBatch.from_pydict(
        {
            "topic": [t for t, _ in records],
            "kafka_partition": pa.array(range(n), pa.int32()),
            "kafka_offset": pa.array(range(100, 100 + n), pa.int64()),
            "kafka_timestamp": pa.array([NOW] * n, pa.timestamp("us", tz="UTC")),
            "kafka_key": [f"k{i}" for i in range(n)],
            "value": pa.array([v for _, v in records], pa.binary()),
            "_now": pa.array([NOW] * n, pa.timestamp("us", tz="UTC")),
        }
    )


def _message(topic: str, i: int) -> bytes:
    return json.dumps(valid_record(EVENT_TYPES[topic], i)).encode()


def test_a_mixed_batch_comes_back_judged_per_topic_in_the_output_schema() -> None:
    shipped = pickle.dumps(BatchValidator(tuple(EVENT_TYPES), "p-"))  # as Spark ships it
    validator = pickle.loads(shipped)  # noqa: S301 - our own bytes
    records = [
        ("p-vehicle_data", _message("vehicle_data", 1)),
        ("p-gps_data", _message("gps_data", 2)),
        ("p-vehicle_data", b"{oops"),
        ("elsewhere", b"{}"),
        ("p-gps_data", None),
    ]
    out = pa.Table.from_batches(list(validator(iter([_batch(records)]))))
    assert out.schema == output_schema() and out.num_rows == len(records)
    rows = {r["kafka_offset"]: r for r in out.to_pylist()}
    assert rows[100]["_reason"] is None and rows[100]["_table"] == "vehicle_data"
    assert rows[100]["raw_value"] is None and rows[100]["vehicle_id"] == "vehicle_id-1"
    assert rows[101]["_table"] == "gps_data" and rows[101]["make"] is None
    assert rows[102]["_reason"].startswith("invalid_json:") and rows[102]["raw_value"] == b"{oops"
    assert rows[102]["raw_text"] == "{oops" and rows[102]["event_id"] is None
    assert rows[103]["_reason"] == "unknown_topic: elsewhere" and rows[103]["_table"] is None
    assert rows[104]["_reason"] == "invalid_json: the Kafka record has no value"
    assert all(r["_ingest_ts"] == NOW and r["kafka_key"] == f"k{r['kafka_partition']}"
               for r in rows.values())  # fmt: skip


def test_a_reason_quoting_a_lone_surrogate_is_still_utf8() -> None:
    validator = BatchValidator(("vehicle_data",))
    raw = json.dumps({"schema_version": 1, "\ud800": 1}).encode()
    (batch,) = validator(iter([_batch([("vehicle_data", raw)])]))
    reason = batch.column("_reason")[0].as_py()
    assert reason.startswith("unknown_field: ") and "\\ud800" in reason


def test_empty_batches_yield_nothing() -> None:
    validator = BatchValidator(("vehicle_data",))
    assert list(validator(iter([_batch([])]))) == []
