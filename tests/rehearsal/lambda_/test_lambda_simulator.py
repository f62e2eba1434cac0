"""The built simulator function, run as Lambda python3.11 runs it, producing to real Kafka.

The function's folder from `sam build`, its two layers mounted the way Lambda mounts
them, the runtime's SDK set only (the rehearsal venv): so the events reach the session's
real local broker through the layer's own confluent-kafka 2.4.0 (the Amazon Linux 2 build
the stack ships), not the dev venv's client, in one Kafka transaction per window. What
arrives is consumed back (read_committed) and compared with what the simulator library
computes for the window. The idempotency table (DynamoDB) and, in the SCRAM case, Secrets
Manager are on moto's server (a mock: nothing reaches AWS).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.aws import MotoServer
from tests.fixtures.kafka import KafkaBroker
from tests.functions.test_simulator_producer import (
    SEED,
    SHARDS,
    VEHICLES,
    WINDOW_S,
    _assert_same_events,
    _expected,
)
from tests.functions.windows_table import create_windows_table
from tests.rehearsal.lambda_.harness import BuiltStack, Function, LambdaRuntime
from tests.simulator.kafka_helpers import consume, fresh_prefix

pytestmark = pytest.mark.integration
LAYER_KAFKA = "2.4.0"  # layers/dependencies/requirements.txt


@pytest.fixture(scope="module")
def simulator(built_stack: BuiltStack) -> Function:
    return built_stack.by_source("simulator_producer")


@pytest.fixture
def aws(moto_server: MotoServer) -> dict[str, str]:
    """A fresh idempotency table on moto's server, and the variables that reach it."""
    table = create_windows_table(moto_server.client("dynamodb"))
    return {"VTS_IDEMPOTENCY_TABLE": table, **moto_server.env}


def local_values(
    bootstrap: str, prefix: str, aws: dict[str, str], auth: str = "plaintext"
) -> dict[str, str]:
    """The template's parameters, resolved for this machine (small fleet, the test broker)."""
    return {
        "VTS_IDEMPOTENCY_TABLE": aws["VTS_IDEMPOTENCY_TABLE"],
        "VTS_KAFKA_TRANSACTIONS": "true",
        "VTS_KAFKA_BOOTSTRAP": bootstrap,
        "VTS_KAFKA_AUTH": auth,
        "VTS_SCENARIO": "city",
        "VTS_SEED": str(SEED),
        "VTS_FLEET_VEHICLES": str(VEHICLES),
        "VTS_FLEET_SHARDS": str(SHARDS),
        "VTS_WINDOW_SECONDS": str(WINDOW_S),
        "VTS_TOPIC_PREFIX": prefix,
    }


def test_every_simulator_event_has_a_sample(simulator: Function) -> None:
    assert {p.name for p in simulator.event_files} >= {
        "simulator_manual.json",
        "simulator_scheduled.json",
    }


@pytest.mark.parametrize("event_file", ["simulator_manual.json", "simulator_scheduled.json"])
def test_the_built_function_produces_the_library_events_with_the_layer_client(
    event_file: str,
    simulator: Function,
    lambda_runtime: LambdaRuntime,
    kafka_broker: KafkaBroker,
    aws: dict[str, str],
) -> None:
    prefix = fresh_prefix(kafka_broker.bootstrap)
    env = (
        simulator.environment(
            local_values(kafka_broker.bootstrap, prefix, aws), absent=["VTS_KAFKA_SECRET_ARN"]
        )
        | aws
    )
    event_path = next(p for p in simulator.event_files if p.name == event_file)
    expected = _expected(json.loads(event_path.read_text()))
    total = sum(len(b) for b in expected.values())

    run = lambda_runtime.invoke(simulator, [event_path], env)
    result = run.only()

    assert result["events"] == {t: len(b) for t, b in expected.items()}
    assert result["delivered"] == total > 0 and result["failed"] == 0
    _assert_same_events(consume(kafka_broker.bootstrap, prefix, total), expected)
    # produced by the layer's client, not the dev venv's
    kafka = run.modules["confluent_kafka"]
    assert kafka["version"] == LAYER_KAFKA
    assert Path(str(kafka["file"])).is_relative_to(lambda_runtime.opt_for(simulator))
    metrics = [r for r in run.log_records() if "_aws" in r]
    assert any(r.get("EventsDelivered") == [total] for r in metrics)  # EMF on stdout


def test_a_warm_container_never_produces_a_completed_window_again(
    simulator: Function,
    lambda_runtime: LambdaRuntime,
    kafka_broker: KafkaBroker,
    aws: dict[str, str],
) -> None:
    """The layer's Powertools records the window in DynamoDB (moto's server); the retry sends
    nothing. The first window went out in a transaction through the layer's 2.4.0 client
    (what a read_committed consumer reads is exactly the window)."""
    prefix = fresh_prefix(kafka_broker.bootstrap)
    env = (
        simulator.environment(
            local_values(kafka_broker.bootstrap, prefix, aws), absent=["VTS_KAFKA_SECRET_ARN"]
        )
        | aws
    )
    event = next(p for p in simulator.event_files if p.name == "simulator_manual.json")
    run = lambda_runtime.invoke(simulator, [event, event], env)
    first, second = (o["result"] for o in run.outcomes)
    assert first["delivered"] > 0 and second == {**first, "already_produced": True}
    connects = [r for r in run.log_records() if "connecting a producer" in r.get("message", "")]
    assert len(connects) == 1
    assert run.modules["confluent_kafka"]["version"] == LAYER_KAFKA
    received = consume(kafka_broker.bootstrap, prefix, first["delivered"] + 1, timeout=10.0)
    ids = [json.loads(v)["event_id"] for pairs in received.values() for _, v in pairs]
    assert len(ids) == len(set(ids)) == first["delivered"]


def test_scram_reads_the_secret_from_moto_and_names_the_kafka_4_limit_of_the_layer(
    simulator: Function,
    lambda_runtime: LambdaRuntime,
    kafka_broker: KafkaBroker,
    moto_server: MotoServer,
    aws: dict[str, str],
) -> None:
    """SCRAM with the secret from Secrets Manager on moto's server (a mock), against the local
    Kafka 4.1 broker's SCRAM listener: the layer's librdkafka 2.4.0 cannot log in to Kafka
    4.x with SCRAM (fixed in 2.6.1, which Amazon Linux 2 cannot load), so the function must
    fail with an error that says so, not only "check the password", and send nothing.
    """
    prefix = fresh_prefix(kafka_broker.bootstrap)
    secret = json.dumps(
        {"username": kafka_broker.scram_username, "password": kafka_broker.scram_password}
    )
    arn = moto_server.client("secretsmanager").create_secret(
        Name=f"AmazonMSK_{prefix}rehearsal", SecretString=secret
    )["ARN"]
    env = simulator.environment(
        {
            **local_values(kafka_broker.scram_bootstrap, prefix, aws, auth="scram"),
            "VTS_KAFKA_SECRET_ARN": arn,
        }
    )
    # The local SCRAM listener has no TLS (MSK's has): the one override of the template.
    env |= {"VTS_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", **moto_server.env}
    event = next(p for p in simulator.event_files if p.name == "simulator_manual.json")

    run = lambda_runtime.invoke(simulator, [event], env)

    (outcome,) = run.outcomes
    assert not outcome["ok"] and outcome["errorType"] == "KafkaAuthError"
    message = outcome["errorMessage"]
    assert arn in message  # the credentials were read from moto's Secrets Manager
    assert "librdkafka (2.4.0) cannot log in to Kafka 4.x brokers with SCRAM" in message
    assert "use MSK IAM auth" in message
    assert run.modules["confluent_kafka"]["version"] == LAYER_KAFKA
    assert consume(kafka_broker.bootstrap, prefix, 1, timeout=3.0) == {}
