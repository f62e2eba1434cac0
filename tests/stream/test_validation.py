"""The job's Python-worker function on Arrow batches, without Spark."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime

import pyarrow as pa
import pytest

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
        }
    )


def _message(topic: str, i: int) -> bytes:
    return json.dumps(valid_record(EVENT_TYPES[topic], i)).encode()


def test_a_mixed_batch_comes_back_judged_per_topic_in_the_output_schema() -> None:
    shipped = pickle.dumps(BatchValidator(tuple(EVENT_TYPES), "p-", now=NOW))  # as Spark ships it
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
    vehicle, gps, oops, elsewhere, empty = (rows[100 + i] for i in range(5))
    assert vehicle["reason"] is None and vehicle["_dest"] == "vehicle_data"
    assert vehicle["raw_value"] is None and vehicle["vehicle_data"]["vehicle_id"] == "vehicle_id-1"
    assert vehicle["gps_data"] is None and vehicle["quarantined_at"] is None
    event_id = vehicle["vehicle_data"]["event_id"]
    assert vehicle["_dedup_key"] == f"vehicle_data/{event_id}"
    ts = vehicle["vehicle_data"]["ts"]
    assert (vehicle["dt"], vehicle["hr"]) == (ts.strftime("%Y-%m-%d"), ts.strftime("%H"))
    assert gps["_dest"] == "gps_data" and gps["gps_data"]["speed_kmh"] is not None
    assert oops["reason"].startswith("invalid_json:") and oops["raw_value"] == b"{oops"
    assert oops["raw_text"] == "{oops" and oops["_dest"] == "quarantine"
    assert oops["vehicle_data"] is None and oops["_dedup_key"] == "quarantine/p-vehicle_data/2/102"
    assert elsewhere["reason"] == "unknown_topic: elsewhere" and elsewhere["_dest"] == "quarantine"
    assert empty["reason"] == "invalid_json: the Kafka record has no value"
    for row in (oops, elsewhere, empty):  # quarantine partitions follow ingest time
        assert (row["dt"], row["hr"], row["quarantined_at"]) == ("2024-06-01", "12", NOW)
    assert all(
        r["_ingest_ts"] == NOW and r["kafka_key"] == f"k{r['kafka_partition']}"
        for r in rows.values()
    )


def test_a_reason_quoting_a_lone_surrogate_is_still_utf8() -> None:
    validator = BatchValidator(("vehicle_data",), now=NOW)
    raw = json.dumps({"schema_version": 1, "\ud800": 1}).encode()
    (batch,) = validator(iter([_batch([("vehicle_data", raw)])]))
    reason = batch.column("reason")[0].as_py()
    assert reason.startswith("unknown_field: ") and "\\ud800" in reason


def test_empty_batches_yield_nothing() -> None:
    validator = BatchValidator(("vehicle_data",), now=NOW)
    assert list(validator(iter([_batch([])]))) == []


def test_without_a_pinned_clock_outside_a_stream_the_error_says_what_to_do() -> None:
    validator = BatchValidator(("vehicle_data",))  # the clock of a micro-batch's tasks
    with pytest.raises(RuntimeError, match=r"no micro-batch time.*TransformConfig\(now=\.\.\.\)"):
        list(validator(iter([_batch([("vehicle_data", _message("vehicle_data", 1))])])))
