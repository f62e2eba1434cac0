"""vts.local.kafka_config: the broker's server.properties, log4j2 file and SCRAM users."""

from __future__ import annotations

import base64
import socket
from pathlib import Path
from xml.etree import ElementTree

import pytest

from vts.local.exceptions import ConfigError
from vts.local.kafka_config import (
    BrokerConfig,
    ScramUser,
    free_port,
    new_cluster_id,
    port_is_free,
)


def _props(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def _config(tmp_path: Path, scram_port: int | None = None) -> BrokerConfig:
    return BrokerConfig(
        data_dir=tmp_path / "data",
        log_dir=tmp_path / "logs",
        port=19092,
        controller_port=19093,
        scram_port=scram_port,
        partitions=4,
        retention_hours=1.5,
    )


def test_single_node_kraft_on_loopback(tmp_path: Path) -> None:
    config = _config(tmp_path)
    props = _props(config.server_properties())
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert props["num.partitions"] == "4"
    assert props["log.retention.ms"] == str(int(1.5 * 3600 * 1000))
    assert props["offsets.topic.replication.factor"] == "1"
    assert not any("sasl" in key for key in props)
    assert config.bootstrap == "127.0.0.1:19092"
    assert config.scram_bootstrap is None


def test_scram_listener_is_sasl_plaintext_without_an_authorizer(tmp_path: Path) -> None:
    config = _config(tmp_path, scram_port=19094)
    props = _props(config.server_properties())
    assert "SCRAM://127.0.0.1:19094" in props["listeners"].split(",")
    assert "SCRAM://127.0.0.1:19094" in props["advertised.listeners"].split(",")
    assert "SCRAM:SASL_PLAINTEXT" in props["listener.security.protocol.map"].split(",")
    assert props["listener.name.scram.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert (
        "ScramLoginModule required" in props["listener.name.scram.scram-sha-512.sasl.jaas.config"]
    )
    assert props["inter.broker.listener.name"] == "PLAINTEXT"
    assert "authorizer.class.name" not in props
    assert config.scram_bootstrap == "127.0.0.1:19094"


def test_log4j2_sends_everything_to_the_log_file(tmp_path: Path) -> None:
    weird = tmp_path / 'a&b "c"'
    config = BrokerConfig(data_dir=weird, log_dir=weird, port=1, controller_port=2)
    root = ElementTree.fromstring(config.log4j2_xml().split("\n", 1)[1])  # noqa: S314 - ours
    appenders = root.find("Appenders")
    assert appenders is not None
    rolling = appenders.find("RollingFile")
    assert rolling is not None and rolling.get("fileName") == str(weird / "server.log")
    assert [a.tag for a in appenders] == ["RollingFile"]  # no console appender


def test_cluster_id_is_16_bytes_url_safe_base64() -> None:
    ids = {new_cluster_id() for _ in range(5)}
    assert len(ids) == 5
    for cid in ids:
        assert len(cid) == 22 and "=" not in cid
        assert len(base64.urlsafe_b64decode(cid + "==")) == 16


def test_free_port_is_free_until_taken() -> None:
    port = free_port()
    assert port_is_free(port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert not port_is_free(port)


def test_scram_user_hides_its_password() -> None:
    user = ScramUser("alice", "s3cret-pw")
    assert "s3cret-pw" not in repr(user)
    assert user.storage_tool_arg() == "SCRAM-SHA-512=[name=alice,password=s3cret-pw]"


@pytest.mark.parametrize("password", ["a,b", "a]b", 'a"b', "a b", "a=b", ""])
def test_scram_passwords_the_storage_tool_cannot_parse_are_refused(password: str) -> None:
    with pytest.raises(ConfigError, match="password of SCRAM user 'alice'") as info:
        ScramUser("alice", password)
    if password:
        assert password not in str(info.value)


def test_scram_user_names_are_checked() -> None:
    with pytest.raises(ConfigError, match="not allowed"):
        ScramUser("al,ice", "pw")


def test_scram_user_parse() -> None:
    assert ScramUser.parse("bob=pw1") == ScramUser("bob", "pw1")
    assert ScramUser.parse("bob", "pw2") == ScramUser("bob", "pw2")
    with pytest.raises(ConfigError, match="VTS_KAFKA_PASSWORD"):
        ScramUser.parse("bob")
