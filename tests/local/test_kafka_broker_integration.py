"""The real local broker through the Python API (the session's ``kafka_broker``)."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.fixtures.kafka import KafkaBroker
from vts.contract.topics import TOPIC_NAMES
from vts.kafka import admin
from vts.kafka.auth.scram import ScramAuth
from vts.local.kafka_broker import BrokerOptions, LocalKafka, ScramUser
from vts.settings import LocalPaths

pytestmark = pytest.mark.integration


def _local(kafka_broker: KafkaBroker) -> LocalKafka:
    return LocalKafka(kafka_broker.home, jars_root=LocalPaths.from_env().jars)


def test_status_reports_the_running_broker_and_its_topics(kafka_broker: KafkaBroker) -> None:
    status = _local(kafka_broker).status()
    assert status.running and status.state is not None
    assert status.bootstrap == kafka_broker.bootstrap
    assert status.state.scram_bootstrap == kafka_broker.scram_bootstrap
    for name in TOPIC_NAMES:
        assert status.topics[name] == 3
    record = status.as_record()
    assert record["bootstrap"] == kafka_broker.bootstrap and record["running"] is True


def test_up_again_is_a_no_op(kafka_broker: KafkaBroker) -> None:
    local = _local(kafka_broker)
    before = local.status()
    messages: list[str] = []
    again = local.up(report=messages.append)
    assert again.already_running
    assert again.state == before.state
    assert before.state is not None
    expected = f"Kafka is already running at {kafka_broker.bootstrap} (pid {before.state.pid})"
    assert messages[0] == expected


def test_state_file_has_no_secret_and_logs_go_to_the_file(kafka_broker: KafkaBroker) -> None:
    local = _local(kafka_broker)
    state_text = local.state_file.read_text()
    assert kafka_broker.scram_password not in state_text
    assert json.loads(state_text)["bootstrap"] == kafka_broker.bootstrap
    assert "Kafka Server started" in kafka_broker.log_file.read_text()
    assert kafka_broker.scram_password not in local.properties_file.read_text()


def test_up_with_a_new_scram_user_on_the_running_broker_adds_it(kafka_broker: KafkaBroker) -> None:
    user = ScramUser(f"late-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex)
    status = _local(kafka_broker).up(BrokerOptions(scram_users=(user,)), report=lambda _: None)
    assert status.already_running
    auth = ScramAuth(user.name, user.password, security_protocol="SASL_PLAINTEXT")
    assert admin.wait_until_ready(kafka_broker.scram_bootstrap, auth, timeout=30) == 1


def test_scram_over_tls_as_msk_serves_it(kafka_broker: KafkaBroker) -> None:
    """The SCRAM_TLS listener: SASL_SSL with the broker's own certificate, the right
    password lists topics, a client that does not trust the certificate is refused."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    auth = kafka_broker.scram_auth()
    config = {
        **auth.producer_config(),
        "security.protocol": "SASL_SSL",
        "bootstrap.servers": kafka_broker.scram_tls_bootstrap,
    }
    trusted = AdminClient({**config, "ssl.ca.location": str(kafka_broker.tls.ca_pem)})
    assert trusted.list_topics(timeout=30).topics is not None
    untrusted = AdminClient({**config, "ssl.ca.location": "/etc/ssl/certs/ca-certificates.crt"})
    with pytest.raises(KafkaException):
        untrusted.list_topics(timeout=5)
    assert kafka_broker.tls.password not in (kafka_broker.home / "kafka" / "state.json").read_text()
