"""functions/simulator_producer invoked in-process with each events/simulator_*.json.

Kafka is the session's real local broker (tests/fixtures/kafka.py), under a uuid topic
prefix; what the handler produced is consumed back and compared with what the library
generates for the same window. The idempotency table (DynamoDB) and, in the SCRAM case,
Secrets Manager are moto's (a mock: nothing reaches AWS).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from simulator import EventBatch, generate
from simulator.entry.invocation import InvalidInvocationError
from simulator.model.window import parse_time
from tests.aws.lambda_support import (
    EVENTS,
    REGION,
    LambdaContext,
    json_log_lines,
    load_event,
    load_handler,
)
from tests.fixtures.kafka import KafkaBroker
from tests.functions.windows_table import create_windows_table
from tests.simulator.kafka_helpers import consume, fresh_prefix

EVENT_FILES = sorted(p.name for p in EVENTS.glob("simulator_*.json"))
SEED, VEHICLES, SHARDS, WINDOW_S = 11, 30, 2, 60


@pytest.fixture
def sim_env(
    monkeypatch: pytest.MonkeyPatch,
    aws_env: None,
    restore_logging: None,
) -> Iterator[None]:
    """The function's configuration, as template.yaml sets it (bootstrap set per test)."""
    for name, value in {
        "VTS_KAFKA_AUTH": "plaintext",
        "VTS_SCENARIO": "city",
        "VTS_SEED": str(SEED),
        "VTS_FLEET_VEHICLES": str(VEHICLES),
        "VTS_FLEET_SHARDS": str(SHARDS),
        "VTS_WINDOW_SECONDS": str(WINDOW_S),
        "POWERTOOLS_SERVICE_NAME": "vts-simulator-test",
        "POWERTOOLS_METRICS_NAMESPACE": "vts-test",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("VTS_KAFKA_SECRET_ARN", "VTS_KAFKA_USERNAME", "VTS_KAFKA_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    sim_logger = logging.getLogger("simulator")
    saved = (list(sim_logger.handlers), sim_logger.propagate, sim_logger.level)
    with mock_aws():  # DynamoDB for the idempotency records: moto, a mock
        table = create_windows_table(boto3.client("dynamodb", region_name=REGION))
        monkeypatch.setenv("VTS_IDEMPOTENCY_TABLE", table)
        yield
    sim_logger.handlers[:] = saved[0]
    sim_logger.propagate = saved[1]
    sim_logger.setLevel(saved[2])


def _expected(event: dict[str, Any]) -> dict[str, EventBatch]:
    """The library's events for the window the event names (computed here independently)."""
    if "scheduled_time" in event:
        end = parse_time(event["scheduled_time"]).replace(microsecond=0)
        start, seconds = end - timedelta(seconds=WINDOW_S), float(WINDOW_S)
    else:
        start, seconds = parse_time(event["window_start"]), float(event["window_seconds"])
    return generate(
        "city", SEED, start, seconds, shard=event["shard"], shard_count=SHARDS, vehicles=VEHICLES
    )


def _assert_same_events(
    received: dict[str, list[tuple[bytes, bytes]]], expected: dict[str, EventBatch]
) -> None:
    for t, batch in expected.items():
        got = received.get(t, [])
        ids = [json.loads(value)["event_id"] for _, value in got]
        assert sorted(ids) == sorted(batch.event_ids.astype(str).tolist()), t
        assert sorted(got) == sorted(
            zip(batch.keys.tolist(), batch.to_json_lines(), strict=True)
        ), t


def test_there_are_sample_events() -> None:
    assert {"simulator_scheduled.json", "simulator_manual.json"} <= set(EVENT_FILES)


@pytest.mark.integration
@pytest.mark.parametrize("event_file", EVENT_FILES)
def test_handler_produces_exactly_the_library_events(
    event_file: str,
    sim_env: None,
    kafka_broker: KafkaBroker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prefix = fresh_prefix(kafka_broker.bootstrap)
    monkeypatch.setenv("VTS_KAFKA_BOOTSTRAP", kafka_broker.bootstrap)
    monkeypatch.setenv("VTS_TOPIC_PREFIX", prefix)
    app = load_handler("simulator_producer")
    event = load_event(event_file)
    expected = _expected(event)
    total = sum(len(b) for b in expected.values())

    result = app.lambda_handler(event, LambdaContext())

    assert result["events"] == {t: len(b) for t, b in expected.items()}
    assert result["delivered"] == total > 0 and result["failed"] == 0
    assert (
        result["shard"] == event["shard"]
        and result["window_seconds"] == WINDOW_S
        or "window_start" in event
    )
    _assert_same_events(consume(kafka_broker.bootstrap, prefix, total), expected)
    logs = json_log_lines(capsys.readouterr().out)
    metrics = [r for r in logs if "_aws" in r]
    assert any(r.get("EventsDelivered") == [total] for r in metrics)  # EMF lists the values


@pytest.mark.integration
def test_a_completed_window_is_never_produced_again(
    sim_env: None, kafka_broker: KafkaBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry, a hand-replay (manual form of the same window) or a new container: the
    window's record in DynamoDB (moto) answers, and nothing more reaches Kafka."""
    prefix = fresh_prefix(kafka_broker.bootstrap)
    monkeypatch.setenv("VTS_KAFKA_BOOTSTRAP", kafka_broker.bootstrap)
    monkeypatch.setenv("VTS_TOPIC_PREFIX", prefix)
    app = load_handler("simulator_producer")
    event = load_event("simulator_scheduled.json")
    first = app.lambda_handler(event, LambdaContext())
    (producer,) = app._producers.values()
    again = app.lambda_handler(event, LambdaContext())
    end = parse_time(event["scheduled_time"]).replace(microsecond=0)
    manual = {
        "shard": event["shard"],
        "window_start": (end - timedelta(seconds=WINDOW_S)).isoformat().replace("+00:00", "Z"),
        "window_seconds": WINDOW_S,
    }
    by_hand = load_handler("simulator_producer").lambda_handler(manual, LambdaContext())
    assert list(app._producers.values()) == [producer]  # made once per container
    assert "already_produced" not in first and first["delivered"] > 0
    assert again == by_hand == {**first, "already_produced": True}
    received = consume(kafka_broker.bootstrap, prefix, first["delivered"] + 1, timeout=8.0)
    ids = [json.loads(v)["event_id"] for pairs in received.values() for _, v in pairs]
    assert len(ids) == len(set(ids)) == first["delivered"]


@pytest.mark.integration
def test_without_a_table_a_retried_window_is_resent_and_the_job_must_dedup(
    sim_env: None, kafka_broker: KafkaBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = fresh_prefix(kafka_broker.bootstrap)
    monkeypatch.setenv("VTS_KAFKA_BOOTSTRAP", kafka_broker.bootstrap)
    monkeypatch.setenv("VTS_TOPIC_PREFIX", prefix)
    monkeypatch.delenv("VTS_IDEMPOTENCY_TABLE")
    app = load_handler("simulator_producer")
    event = load_event("simulator_manual.json")
    first = app.lambda_handler(event, LambdaContext())
    second = app.lambda_handler(event, LambdaContext())
    assert first == second
    received = consume(kafka_broker.bootstrap, prefix, 2 * first["delivered"])
    ids = [json.loads(v)["event_id"] for pairs in received.values() for _, v in pairs]
    assert len(ids) == 2 * first["delivered"] and len(set(ids)) == first["delivered"]


@pytest.mark.integration
def test_scram_credentials_from_secrets_manager_moto(
    sim_env: None, kafka_broker: KafkaBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SCRAM on the broker's SCRAM listener; the secret comes from Secrets Manager (moto)."""
    prefix = fresh_prefix(kafka_broker.bootstrap)
    event = load_event("simulator_manual.json")
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secret = json.dumps(
            {"username": kafka_broker.scram_username, "password": kafka_broker.scram_password}
        )
        arn = secrets.create_secret(Name="AmazonMSK_vts_test", SecretString=secret)["ARN"]
        for name, value in {
            "VTS_KAFKA_BOOTSTRAP": kafka_broker.scram_bootstrap,
            "VTS_KAFKA_AUTH": "scram",
            "VTS_KAFKA_SECRET_ARN": arn,
            "VTS_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "VTS_TOPIC_PREFIX": prefix,
        }.items():
            monkeypatch.setenv(name, value)
        app = load_handler("simulator_producer")
        result = app.lambda_handler(event, LambdaContext())
    expected = _expected(event)
    assert result["delivered"] == sum(len(b) for b in expected.values())
    _assert_same_events(consume(kafka_broker.bootstrap, prefix, result["delivered"]), expected)


def test_a_bad_event_fails_before_connecting(
    sim_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VTS_KAFKA_BOOTSTRAP", "127.0.0.1:9")  # nothing listens: never used
    app = load_handler("simulator_producer")
    with pytest.raises(InvalidInvocationError, match="shard 5 is not in 0..1"):
        app.lambda_handler({"shard": 5, "scheduled_time": "2024-03-01T10:00:00Z"}, LambdaContext())
    assert app._producers == {}
