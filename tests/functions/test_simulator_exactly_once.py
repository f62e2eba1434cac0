"""Exactly once from the simulator Lambda: a container killed mid-window, then retried, and
a completed window invoked again, leave exactly one copy of every event for a
``read_committed`` reader (the streaming job reads that way).

Real local broker; the idempotency table is DynamoDB on the session's moto server (a mock:
nothing reaches AWS), shared by the killed subprocess and the in-process retries.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)

from tests.aws.lambda_support import REPO, LambdaContext, load_handler
from tests.fixtures.aws import MotoServer
from tests.fixtures.kafka import KafkaBroker
from tests.functions.test_simulator_producer import SEED, SHARDS, VEHICLES, WINDOW_S, _expected
from tests.functions.windows_table import create_windows_table
from tests.simulator.kafka_helpers import fresh_prefix, read_to_end

pytestmark = pytest.mark.integration
HELD_MS = 15_000  # the killed attempt's remaining time: its in-progress record lasts this long


def _event_ids(received: dict[str, list[tuple[bytes, bytes]]]) -> Counter[str]:
    return Counter(json.loads(v)["event_id"] for pairs in received.values() for _, v in pairs)


@pytest.fixture
def function_env(
    kafka_broker: KafkaBroker,
    moto_server: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    restore_logging: None,
) -> dict[str, str]:
    """The function's environment (as the template sets it) for this process and the child."""
    prefix = fresh_prefix(kafka_broker.bootstrap)
    env = {
        **moto_server.env,
        "VTS_KAFKA_BOOTSTRAP": kafka_broker.bootstrap,
        "VTS_KAFKA_AUTH": "plaintext",
        "VTS_SCENARIO": "city",
        "VTS_SEED": str(SEED),
        "VTS_FLEET_VEHICLES": str(VEHICLES),
        "VTS_FLEET_SHARDS": str(SHARDS),
        "VTS_WINDOW_SECONDS": str(WINDOW_S),
        "VTS_TOPIC_PREFIX": prefix,
        "VTS_IDEMPOTENCY_TABLE": create_windows_table(moto_server.client("dynamodb")),
        "POWERTOOLS_SERVICE_NAME": "vts-simulator-test",
        "POWERTOOLS_METRICS_NAMESPACE": "vts-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_a_container_killed_mid_window_then_retried_leaves_one_copy_of_each_event(
    function_env: dict[str, str], kafka_broker: KafkaBroker, tmp_path: Path
) -> None:
    event = {"shard": 1, "window_start": "2024-03-01T11:00:00Z", "window_seconds": WINDOW_S}
    expected = {str(e) for b in _expected(event).values() for e in b.event_ids.astype(str)}
    (tmp_path / "event.json").write_text(json.dumps(event))
    marker, log = tmp_path / "flushed.json", tmp_path / "child.log"
    with log.open("wb") as stderr:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.functions.hold_before_commit",
                str(tmp_path / "event.json"),
                str(marker),
                str(HELD_MS),
            ],
            cwd=REPO,
            env={**os.environ, **function_env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), log.read_text()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    killed_at = time.monotonic()
    flushed = json.loads(marker.read_text())["total_delivered"]
    assert flushed == len(expected) > 0  # the whole window reached the broker, uncommitted
    prefix = function_env["VTS_TOPIC_PREFIX"]
    # read to the end of every partition: all of the window is in the log, and a
    # read_committed reader (whose end is the last stable offset) sees none of it
    in_log = read_to_end(kafka_broker.bootstrap, prefix, committed=False)
    assert sum(_event_ids(in_log).values()) == flushed
    assert read_to_end(kafka_broker.bootstrap, prefix, committed=True) == {}

    app = load_handler("simulator_producer")
    with pytest.raises(IdempotencyAlreadyInProgressError):  # Lambda retries it later
        app.lambda_handler(event, LambdaContext())
    time.sleep(max(0.0, HELD_MS / 1000 + 1 - (time.monotonic() - killed_at)))
    retried = app.lambda_handler(event, LambdaContext())  # fences the dead producer
    again = load_handler("simulator_producer").lambda_handler(event, LambdaContext())

    assert retried["delivered"] == len(expected) and "already_produced" not in retried
    assert again == {**retried, "already_produced": True}
    committed = _event_ids(read_to_end(kafka_broker.bootstrap, prefix, committed=True))
    assert set(committed) == expected and set(committed.values()) == {1}
    everything = _event_ids(read_to_end(kafka_broker.bootstrap, prefix, committed=False))
    assert set(everything.values()) == {2}  # the aborted copy is in the log, never read
