"""docker-compose.yml: valid YAML with the same broker and topics as ``vts local up``.

No compose client exists on the build machines, so this checks the file's structure; the
broker version must equal jvm/pom.xml's and the topics the contract's.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from vts.contract.topics import TOPIC_NAMES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def _kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", (ROOT / "jvm/pom.xml").read_text())
    assert match is not None
    return match.group(1)


def test_broker_is_the_pinned_apache_kafka_in_kraft_mode(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{_kafka_version()}"
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert str(env["KAFKA_NODE_ID"]) == "1"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16
    assert str(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == "1"
    assert str(env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]) == "false"
    assert "127.0.0.1:9092:9092" in kafka["ports"]


def test_every_listener_has_a_protocol(compose: dict[str, Any]) -> None:
    env = compose["services"]["kafka"]["environment"]
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    listeners = [item.split("://")[0] for item in env["KAFKA_LISTENERS"].split(",")]
    advertised = [item.split("://")[0] for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")]
    assert set(listeners) <= set(protocols) and set(advertised) <= set(listeners)
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] in listeners
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] not in advertised
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised
    assert "HOST://localhost:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")


def test_init_container_creates_the_five_topics_once_kafka_is_healthy(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    init = services["kafka-init"]
    assert init["image"] == services["kafka"]["image"]
    assert init["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert "healthcheck" in services["kafka"]
    assert init["environment"]["TOPICS"].split() == list(TOPIC_NAMES)
    script = "\n".join(init["command"])
    assert "--create --if-not-exists" in script
    assert "$${TOPICS}" in script  # $$: compose must not interpolate the shell's variables
    assert str(init["environment"]["PARTITIONS"]) == "3"


def test_data_lives_in_a_named_volume(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == "/var/lib/kafka/data"
    assert "kafka-data:/var/lib/kafka/data" in kafka["volumes"]
    assert "kafka-data" in compose["volumes"]


def test_the_live_store_is_valkey_on_the_port_vts_live_expects(compose: dict[str, Any]) -> None:
    valkey = compose["services"]["valkey"]
    assert valkey["image"].startswith("valkey/valkey:")
    assert "127.0.0.1:6379:6379" in valkey["ports"]
    assert valkey["command"][0] == "valkey-server" and "healthcheck" in valkey
    from vts.live.settings import DEFAULT_URL

    assert DEFAULT_URL == "redis://127.0.0.1:6379/0"
