"""The job's transforms on static DataFrames with real PySpark (``integration``).

The headline test holds the Spark rules to the Python contract: on a corpus of hundreds
of good and bad messages both reach the same verdict (same reason code and field, or
the same values for valid ones). One Spark evaluation serves every test here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.contract.tutorial_samples import SAMPLES
from tests.stream.agreement_corpus import cases
from vts.contract.events import EVENT_TYPES, event_type
from vts.contract.exceptions import ContractViolation
from vts.contract.normalise import parse_message
from vts.contract.validate import parse_ts
from vts.stream.sink import collect
from vts.stream.transforms import DEDUP_KEY, DEST, TransformConfig, events

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
NO_SUBJECT = {"invalid_json", "invalid_utf8", "oversized"}
KAFKA_TS = datetime(2024, 5, 31, 23, 0)


def _subject(reason: str | None) -> str | None:
    """The field (or value) a reason is about: ``wrong_type: speed_kmh must ...`` -> speed_kmh."""
    if reason is None:
        return None
    code, _, detail = reason.partition(":")
    if code in NO_SUBJECT:
        return None
    return detail.split()[0].split("=")[0] if detail.split() else ""


@pytest.fixture(scope="module")
def judged(spark: Any) -> list[tuple[str, bytes, Any]]:
    """``(topic, raw, Spark's row)`` for every corpus case, in one Spark job."""
    corpus = cases()
    rows = [
        (f"key-{i}".encode(), raw, topic, i % 3, i, KAFKA_TS, 0)
        for i, (topic, raw) in enumerate(corpus)
    ]
    frame = spark.createDataFrame(  # type: ignore[attr-defined]
        rows,
        "key binary, value binary, topic string, partition int, offset long, "
        "timestamp timestamp, timestampType int",
    )
    out = collect(events(frame, TransformConfig(now=NOW)))
    by_offset = {r["kafka_offset"]: r for r in out}
    assert len(by_offset) == len(corpus)
    return [(topic, raw, by_offset[i]) for i, (topic, raw) in enumerate(corpus)]


def _python(topic: str, raw: bytes) -> tuple[str | None, dict[str, Any] | None]:
    try:
        return None, parse_message(topic, raw, now=NOW)
    except ContractViolation as exc:
        return exc.reason, None


def test_spark_and_python_reach_the_same_verdict(judged: list[tuple[str, bytes, Any]]) -> None:
    disagreements = []
    valid = 0
    for topic, raw, row in judged:
        py_reason, record = _python(topic, raw)
        sp_reason = row["reason"]
        py_code = py_reason.split(":")[0] if py_reason else None
        sp_code = sp_reason.split(":")[0] if sp_reason else None
        if py_code != sp_code or _subject(py_reason) != _subject(sp_reason):
            disagreements.append((topic, raw[:160], py_reason, sp_reason))
            continue
        if record is not None:
            valid += 1
            assert row[DEST] == topic
            for f in event_type(topic).fields:
                got, want = row[f.name], record.get(f.name)
                if f.type == "timestamp":
                    assert got.timestamp() == pytest.approx(parse_ts(want).timestamp()), raw
                else:
                    assert got == want, (raw, f.name, got, want)
    assert not disagreements, "\n".join(map(str, disagreements[:20]))
    assert valid >= 30  # the corpus exercises the valid side too


def test_tutorial_messages_become_current_records(judged: list[tuple[str, bytes, Any]]) -> None:
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
            if f.type == "timestamp":
                assert row[f.name].timestamp() == parse_ts(want).timestamp()
            else:
                assert row[f.name] == want, (topic, f.name)
        ts = parse_ts(expected["ts"])
        assert (row["dt"], row["hr"]) == (ts.strftime("%Y-%m-%d"), ts.strftime("%H"))
        assert row[DEDUP_KEY] == f"{topic}/{expected['event_id']}"
    assert seen == set(SAMPLES)


def test_quarantine_rows_keep_the_raw_bytes_and_kafka_coordinates(
    judged: list[tuple[str, bytes, Any]],
) -> None:
    quarantined = [(topic, raw, row) for topic, raw, row in judged if row["reason"]]
    assert len(quarantined) > 100
    keys = set()
    for topic, raw, row in quarantined:
        assert row[DEST] == "quarantine"
        assert bytes(row["raw_value"]) == raw
        assert row["raw_text"] == raw.decode("utf-8", errors="replace")
        assert row["topic"] == topic and row["kafka_key"] == f"key-{row['kafka_offset']}"
        assert row["kafka_timestamp"] == KAFKA_TS
        # quarantine partitions follow ingest time
        assert (row["dt"], row["hr"]) == ("2024-06-01", "12")
        assert row["quarantined_at"].timestamp() == NOW.timestamp()
        assert all(row[f] is None for f in ("event_id", "ts", "vehicle_id"))
        keys.add(row[DEDUP_KEY])
    assert len(keys) == len(quarantined)  # never deduplicated against each other
