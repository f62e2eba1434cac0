"""``vts simulate``: to a JSON-lines file (no services), and to the real local broker."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from simulator import generate
from tests.fixtures.kafka import KafkaBroker
from tests.simulator.kafka_helpers import consume, read_to_end
from vts.cli.main import main
from vts.contract.topics import TOPIC_NAMES

START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
ARGS = ["--vehicles", "5", "--duration", "90s", "--start", "2024-03-01T10:00:00Z", "--seed", "3"]


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    text = capsys.readouterr().out
    assert "vts simulate --broker 127.0.0.1:9092 --vehicles 100 --duration 10m" in text
    assert '{"topic": "vehicle_data", "key": "VEH-000042", "value":' in text


def test_simulate_to_a_file_writes_the_library_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "events.jsonl"
    assert (
        main(["--format", "json", "simulate", *ARGS, "--window", "60", "--out", str(target)]) == 0
    )
    summary = json.loads(capsys.readouterr().out)
    expected = generate("city", 3, START, 90, vehicles=5)
    assert summary["windows"] == 2 and summary["events"] == sum(len(b) for b in expected.values())
    assert {r["topic"]: r["generated"] for r in summary["topics"]} == {
        t: len(b) for t, b in expected.items()
    }
    docs = [json.loads(line) for line in target.read_text().splitlines()]
    for t in TOPIC_NAMES:
        mine = [d for d in docs if d["topic"] == t]
        assert [d["value"] for d in mine] == expected[t].to_records(), t
        assert [d["key"] for d in mine] == expected[t].keys.astype(str).tolist(), t


def test_text_output_has_a_table_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", *ARGS, "--out", str(tmp_path / "e.jsonl")]) == 0
    text = capsys.readouterr().out
    assert "vehicle_data" in text and "summary" in text and "events_per_s" in text


def test_truth_is_written_as_parquet_next_to_the_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from simulator.outputs.truth import TABLES, truth

    out, truth_dir = tmp_path / "e.jsonl", tmp_path / "truth"
    args = ["--vehicles", "8", "--duration", "20m", "--start", "2024-03-01T08:00:00Z"]
    assert (
        main(["--format", "json", "simulate", *args, "--out", str(out), "--truth", str(truth_dir)])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    expected = truth("city", 0, datetime(2024, 3, 1, 8, tzinfo=UTC), 1200, vehicles=8)
    assert summary["truth"] == {t: len(rows) for t, rows in expected.items()}
    assert sorted(p.stem for p in truth_dir.iterdir()) == sorted(TABLES)
    dwells = pq.read_table(truth_dir / "dwells.parquet")
    assert dwells.num_rows == len(expected["dwells"]) > 0
    assert str(dwells.schema.field("start_ts").type) == "timestamp[us, tz=UTC]"
    halts = pq.read_table(truth_dir / "halts.parquet").to_pylist()
    assert halts and all(h["duration_s"] < 60 for h in halts)
    ids = {
        json.loads(line)["value"]["vehicle_id"]
        for line in out.read_text().splitlines()
        if json.loads(line)["topic"] == "vehicle_data"
    }
    assert {d["vehicle_id"] for d in dwells.to_pylist()} <= ids


def test_truth_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "t.txt"
    file.write_text("x")
    assert main(["simulate", *ARGS, "--out", str(tmp_path / "e.jsonl"), "--truth", str(file)]) == 1
    assert "directory" in capsys.readouterr().err


def test_bad_arguments_fail_with_a_hint(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["simulate", "--duration", "soon", "--out", str(tmp_path / "x.jsonl")]) == 1
    assert "duration" in capsys.readouterr().err
    assert (
        main(["simulate", "--start", "2024-03-01T10:00:00", "--out", str(tmp_path / "x.jsonl")])
        == 1
    )
    assert "time zone" in capsys.readouterr().err


@pytest.mark.integration
def test_simulate_then_replay_to_the_broker(
    kafka_broker: KafkaBroker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"cli{uuid.uuid4().hex[:10]}-"
    broker = ["--broker", kafka_broker.bootstrap, "--topic-prefix", prefix, "--create-topics"]
    assert main(["--format", "json", "simulate", *ARGS, *broker]) == 0
    summary = json.loads(capsys.readouterr().out)
    expected = generate("city", 3, START, 90, vehicles=5)
    total = sum(len(b) for b in expected.values())
    assert summary["delivered"] == total and summary["failed"] == 0
    received = consume(kafka_broker.bootstrap, prefix, total)
    for t, batch in expected.items():
        assert sorted(v for _, v in received.get(t, [])) == sorted(batch.to_json_lines()), t

    # the --out file replays to the same messages
    target = tmp_path / "events.jsonl"
    assert main(["simulate", *ARGS, "--out", str(target)]) == 0
    capsys.readouterr()
    replay_prefix = f"rp{uuid.uuid4().hex[:10]}-"
    replay = [
        "--broker",
        kafka_broker.bootstrap,
        "--topic-prefix",
        replay_prefix,
        "--create-topics",
    ]
    assert main(["--format", "json", "simulate", "--replay", str(target), *replay]) == 0
    assert json.loads(capsys.readouterr().out)["total_delivered"] == total
    replayed = consume(kafka_broker.bootstrap, replay_prefix, total)
    for t in expected:
        assert sorted(replayed.get(t, [])) == sorted(received.get(t, [])), t


@pytest.mark.integration
def test_a_span_already_produced_is_not_sent_again(
    kafka_broker: KafkaBroker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VTS_HOME", str(tmp_path))  # where the record of produced spans goes
    prefix = f"again{uuid.uuid4().hex[:10]}-"
    broker = ["--broker", kafka_broker.bootstrap, "--topic-prefix", prefix, "--create-topics"]

    said: list[str] = []

    def simulate(*extra: str) -> dict[str, Any]:
        assert main(["--format", "json", "simulate", *ARGS, *broker, *extra]) == 0
        out, err = capsys.readouterr()
        said.append(err)
        summary: dict[str, Any] = json.loads(out)
        return summary

    def in_kafka() -> Counter[str]:
        read = read_to_end(kafka_broker.bootstrap, prefix)
        return Counter(json.loads(v)["event_id"] for pairs in read.values() for _, v in pairs)

    first = generate("city", 3, START, 90, vehicles=5)
    ids = Counter(str(i) for b in first.values() for i in b.event_ids.astype(str))
    assert simulate()["delivered"] == sum(ids.values()) > 0
    assert in_kafka() == ids

    again = simulate()  # the same span again: nothing is sent
    assert (again["delivered"], again["events"]) == (0, 0)
    assert again["already_produced"] == ["2024-03-01T10:00:00Z..2024-03-01T10:01:30Z"]
    assert (
        "already produced to this cluster: 2024-03-01T10:00:00Z..2024-03-01T10:01:30Z" in said[-1]
    )
    assert {r["delivered"] for r in again["topics"]} == {0}
    assert in_kafka() == ids

    longer = simulate("--duration", "150s")  # only the minute it lacks
    tail = generate("city", 3, START + timedelta(seconds=90), 60, vehicles=5)
    ids += Counter(str(i) for b in tail.values() for i in b.event_ids.astype(str))
    assert longer["delivered"] == sum(len(b) for b in tail.values())
    assert in_kafka() == ids and set(ids.values()) == {1}

    resent = simulate("--resend")  # forced: the span lands again, duplicate event_ids
    assert resent["delivered"] == sum(len(b) for b in first.values())
    assert set(in_kafka().values()) == {1, 2}
