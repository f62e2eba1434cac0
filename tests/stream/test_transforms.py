"""The job's transforms on a static DataFrame with real PySpark (``integration``).

Kafka-shaped records (good, tutorial, malformed and hostile messages of several topics)
go once through the workers' validator on Spark's Python workers (``mapInArrow``, as the
job's staging stage runs it): the routed rows it hands the staging writer must carry the
contract's verdicts, typed values, the routing and partition columns, and quarantine
rows with the raw bytes and Kafka coordinates.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.contract.corpus import valid_record
from tests.contract.edge_messages import messages
from tests.contract.tutorial_samples import SAMPLES
from vts.contract.events import EVENT_TYPES
from vts.contract.fast import MessageValidator
from vts.contract.validate import parse_ts
from vts.stream.sink import collect
from vts.stream.transforms import TransformConfig, kafka_records, map_in_arrow
from vts.stream.validation import DEDUP_KEY, DEST, output_schema

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
KAFKA_TS = datetime(2024, 5, 31, 23, 0)


def _case_list() -> list[tuple[str, bytes | None]]:
    found = messages()
    found.append(("unknown_table", b"{}"))
    return found


@pytest.fixture(scope="module")
def judged(spark: Any) -> list[tuple[str, bytes | None, Any]]:
    """``(topic, raw, Spark's row)`` for every case, in one Spark job."""
    corpus = _case_list()
    rows = [
        (f"key-{i}".encode(), raw, topic, i % 3, i, KAFKA_TS, 0)
        for i, (topic, raw) in enumerate(corpus)
    ]
    frame = spark.createDataFrame(
        rows,
        "key binary, value binary, topic string, partition int, offset long, "
        "timestamp timestamp, timestampType int",
    )
    validator = TransformConfig(now=NOW).validator()
    routed = map_in_arrow(kafka_records(frame.repartition(3)), validator, output_schema())
    out = collect(routed)
    by_offset = {r["kafka_offset"]: r for r in out}
    assert len(out) == len(by_offset) == len(corpus)
    return [(topic, raw, by_offset[i]) for i, (topic, raw) in enumerate(corpus)]


def test_rows_carry_the_contracts_verdicts_and_typed_values(
    judged: list[tuple[str, bytes | None, Any]],
) -> None:
    valid = 0
    for topic, raw, row in judged:
        if topic not in EVENT_TYPES:
            assert row["reason"] == f"unknown_topic: {topic}" and row[DEST] == "quarantine"
            continue
        verdicts = MessageValidator(topic).validate([raw], NOW)
        assert row["reason"] == verdicts.reasons[0], raw and raw[:100]
        if verdicts.reasons[0] is not None:
            continue
        valid += 1
        assert row[DEST] == topic and row["raw_value"] is None
        values = row[topic]  # the table's struct column
        for f in EVENT_TYPES[topic].fields:
            want = verdicts.columns[f.name][0].as_py()
            got = values[f.name]
            if f.type == "timestamp":
                assert got.replace(tzinfo=UTC) == want
            else:
                assert got == want, (f.name, raw)
        ts = verdicts.columns["ts"][0].as_py()
        assert (row["dt"], row["hr"]) == (ts.strftime("%Y-%m-%d"), ts.strftime("%H"))
        assert row[DEDUP_KEY] == f"{topic}/{values['event_id']}"
        assert all(row[t] is None for t in EVENT_TYPES if t != topic)
    assert valid >= 40


def test_tutorial_messages_become_current_records(
    judged: list[tuple[str, bytes | None, Any]],
) -> None:
    samples = {json.dumps(v0).encode(): (topic, v1) for topic, (v0, v1) in SAMPLES.items()}
    seen = set()
    for topic, raw, row in judged:
        if raw not in samples:
            continue
        seen.add(topic)
        expected = samples[raw][1]
        assert row["reason"] is None and row[DEST] == topic
        for f in EVENT_TYPES[topic].fields:
            want = expected.get(f.name)
            if f.type == "timestamp" and want is not None:
                assert row[topic][f.name].replace(tzinfo=UTC) == parse_ts(want)
            else:
                assert row[topic][f.name] == want, (topic, f.name)
    assert seen == set(SAMPLES)


def test_quarantine_rows_keep_the_raw_bytes_and_kafka_coordinates(
    judged: list[tuple[str, bytes | None, Any]],
) -> None:
    quarantined = [(topic, raw, row) for topic, raw, row in judged if row["reason"]]
    assert len(quarantined) > 100
    keys = set()
    for topic, raw, row in quarantined:
        assert row[DEST] == "quarantine"
        assert (None if row["raw_value"] is None else bytes(row["raw_value"])) == raw
        if raw is not None:
            assert row["raw_text"] == raw.decode("utf-8", errors="replace")
        assert row["topic"] == topic and row["kafka_key"] == f"key-{row['kafka_offset']}"
        assert row["kafka_timestamp"] == KAFKA_TS
        # quarantine partitions follow ingest time (the processing clock)
        assert (row["dt"], row["hr"]) == ("2024-06-01", "12")
        assert row["quarantined_at"].replace(tzinfo=UTC) == NOW
        assert all(row[t] is None for t in EVENT_TYPES)  # no table's values
        keys.add(row[DEDUP_KEY])
    assert len(keys) == len(quarantined)  # never deduplicated against each other


def test_hostile_messages_are_quarantined_with_a_reason(
    judged: list[tuple[str, bytes | None, Any]],
) -> None:
    reasons = {raw[:40] if raw else raw: row["reason"] for _, raw, row in judged}
    assert reasons[b"[" * 40] == "invalid_json: nested too deeply to read"
    assert reasons[b"1" * 40].startswith("invalid_json: Exceeds the limit")
    assert reasons[b"\xff\xfe"].startswith("invalid_utf8:")
    assert reasons[b'"s"'] == "wrong_type: message is a JSON str, not object"
    assert reasons[None] == "invalid_json: the Kafka record has no value"
    vehicle = valid_record(EVENT_TYPES["vehicle_data"])
    surrogate = json.dumps({**vehicle, "vehicle_id": "\ud800"}).encode()
    (row,) = [row for _, raw, row in judged if raw == surrogate]
    assert row["reason"] == "invalid_utf8: vehicle_id holds a lone surrogate escape (not UTF-8)"
