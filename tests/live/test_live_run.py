"""``vts live run`` through the real Kafka broker into the real redis-server: after a
simulated run each vehicle's live state is its newest fix among the produced events, and
it stays so after the run is SIGKILLed mid-batch and restarted, after an old window is
replayed with duplicates, and with hostile messages on the topics."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from simulator import generate
from simulator.events.batch import EventBatch
from simulator.outputs.producer import Producer
from tests.aws.lambda_support import REPO
from tests.contract.edge_messages import messages
from tests.fixtures.kafka import KafkaBroker
from tests.simulator.kafka_helpers import fresh_prefix
from vts.cli.main import main
from vts.live.settings import LiveSettings
from vts.live.states import VEHICLE_TOPICS
from vts.live.store import LiveStore

pytestmark = pytest.mark.integration
VEHICLES, SPAN_S, BATCH = 40, 60, 400


def _produce(bootstrap: str, prefix: str, batches: dict[str, EventBatch]) -> int:
    producer = Producer.connect(bootstrap, topic_prefix=prefix, transactional_id=uuid.uuid4().hex)
    with producer.transaction():
        sent = producer.produce_batches(batches.values())
    producer.close()
    return sent


def _truth(batches: dict[str, EventBatch]) -> dict[str, tuple[Any, ...]]:
    """Each vehicle's newest fix by the store's order: (ts, rank, event_id) -> position."""
    best: dict[str, tuple[Any, ...]] = {}
    for topic, rank in VEHICLE_TOPICS.items():
        for raw in batches[topic].to_json_lines():
            e = json.loads(raw)
            if e["latitude"] is None:
                continue
            key = (datetime.fromisoformat(e["ts"]), rank, e["event_id"])
            if e["vehicle_id"] not in best or key > best[e["vehicle_id"]][0]:
                best[e["vehicle_id"]] = (key, e["event_id"], e["latitude"], e["longitude"])
    return {v: b[1:] for v, b in best.items()}


def _live(store: LiveStore) -> dict[str, tuple[Any, ...]]:
    states = json.loads(store.snapshot().vehicles_json)
    return {s["vehicle_id"]: (s["event_id"], s["latitude"], s["longitude"]) for s in states}


def _committed(bootstrap: str, group: str, topics: list[str]) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        parts = [TopicPartition(t, p) for t in topics for p in range(3)]
        return sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=30))
    finally:
        consumer.close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = main(["--format", "json", "live", "run", "--available-now", *argv])
    out = capsys.readouterr().out
    assert code == 0
    totals: dict[str, Any] = json.loads(out)
    return totals


def test_the_live_state_is_each_vehicles_newest_fix_through_kill_replay_and_duplicates(
    kafka_broker: KafkaBroker,
    live_settings: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bootstrap = kafka_broker.bootstrap
    prefix = fresh_prefix(bootstrap)
    settings: LiveSettings = live_settings()
    group = f"live-{uuid.uuid4().hex[:8]}"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=SPAN_S + 5)
    events = generate("city", 11, start, SPAN_S, vehicles=VEHICLES, tick_seconds=1)
    produced = _produce(bootstrap, prefix, events)
    live_topics = [prefix + t for t in ("vehicle_data", "gps_data", "emergency_data")]
    live_records = sum(len(events[t]) for t in ("vehicle_data", "gps_data", "emergency_data"))
    assert produced > live_records > 2_000
    argv = [
        "--broker",
        bootstrap,
        "--live-url",
        settings.url,
        "--topic-prefix",
        prefix,
        "--group",
        group,
        "--batch-size",
        str(BATCH),
    ]
    # an hour of silence: the events stay live however slowly a loaded machine runs this
    live_env = {"VTS_LIVE_PREFIX": settings.prefix, "VTS_LIVE_SILENCE_S": "3600"}
    env = {**os.environ, **live_env, "PYTHONPATH": str(REPO)}

    # 1. killed after the handler applied its third batch, before that batch's commit
    marker = tmp_path / "batches"
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.live.kill_mid_batch",
            str(marker),
            "3",
            "--available-now",
            *argv,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    handled = [int(n) for n in marker.read_text().split()]
    assert len(handled) == 3
    assert _committed(bootstrap, group, live_topics) == handled[0] + handled[1]

    # 2. restarted: the third batch comes again, and every vehicle ends at its newest fix
    for name, value in live_env.items():
        monkeypatch.setenv(name, value)
    totals = _run(capsys, *argv)
    assert totals["records"] == live_records - handled[0] - handled[1]
    assert totals["invalid"] == 0
    with LiveStore.connect(LiveSettings.from_env(url=settings.url)) as store:
        truth = _truth(events)
        assert len(truth) == VEHICLES and _live(store) == truth

        # 3. an old window again (the first half: duplicates of what was applied), and
        # hostile messages on the topics: nothing moves back, nothing crashes
        old = generate("city", 11, start, SPAN_S // 2, vehicles=VEHICLES, tick_seconds=1)
        _produce(bootstrap, prefix, old)
        hostile = [(t, raw or b"") for t, raw in messages() if t in VEHICLE_TOPICS]
        producer = Producer.connect(bootstrap, topic_prefix=prefix)
        for topic, raw in hostile:
            producer.produce_values(prefix + topic, [raw], [b"hostile"])
        producer.close()
        cursor = store.snapshot().cursor
        totals = _run(capsys, *argv)
        assert totals["written"] == 0 and totals["invalid"] > 100
        assert _live(store) == truth
        assert store.changes(cursor).vehicles_json == "[]"
