"""vts.kafka.auth: the registry, VTS_KAFKA_AUTH, plaintext and TLS."""

from __future__ import annotations

import pytest

from vts.kafka.auth import AVAILABLE_AUTH, KafkaAuth, auth_from_env, get_auth
from vts.kafka.auth.plaintext import PlaintextAuth
from vts.kafka.auth.scram import ScramAuth
from vts.kafka.auth.tls import SslAuth
from vts.kafka.exceptions import ConfigError


def test_every_registered_mode_resolves_to_a_kafka_auth() -> None:
    settings = {"scram": {"username": "u", "password": "p"}, "iam": {"region": "eu-west-1"}}
    for mode in AVAILABLE_AUTH:
        auth = get_auth(mode, **settings.get(mode, {}))
        assert isinstance(auth, KafkaAuth)
        assert auth.mode == mode
        config, options = auth.producer_config(), auth.spark_options()
        assert "security.protocol" in config
        assert options["kafka.security.protocol"] == config["security.protocol"]
        assert all(key.startswith("kafka.") for key in options)


def test_unknown_mode_lists_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        get_auth("kerberos")
    message = str(info.value)
    assert "'kerberos'" in message
    for mode in ("plaintext", "ssl", "scram", "iam"):
        assert mode in message


@pytest.mark.parametrize(
    ("alias", "expected"),
    [("PLAINTEXT", PlaintextAuth), (" none ", PlaintextAuth), ("tls", SslAuth), ("SSL", SslAuth)],
)
def test_mode_names_are_forgiving(alias: str, expected: type[KafkaAuth]) -> None:
    assert isinstance(get_auth(alias), expected)


def test_plaintext() -> None:
    auth = get_auth("plaintext")
    assert auth.producer_config() == {"security.protocol": "PLAINTEXT"}
    assert auth.spark_options() == {"kafka.security.protocol": "PLAINTEXT"}
    with pytest.raises(TypeError):
        get_auth("plaintext", username="x")


def test_auth_from_env_defaults_to_plaintext() -> None:
    assert isinstance(auth_from_env(), PlaintextAuth)


def test_auth_from_env_reads_vts_kafka_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTS_KAFKA_AUTH", "scram")
    monkeypatch.setenv("VTS_KAFKA_USERNAME", "svc")
    monkeypatch.setenv("VTS_KAFKA_PASSWORD", "pw")
    auth = auth_from_env()
    assert isinstance(auth, ScramAuth) and auth.username == "svc"
    monkeypatch.setenv("VTS_KAFKA_AUTH", "bogus")
    with pytest.raises(ConfigError, match="VTS_KAFKA_AUTH"):
        auth_from_env()


def test_ssl_with_and_without_a_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_auth("ssl").producer_config() == {"security.protocol": "SSL"}
    monkeypatch.setenv("VTS_KAFKA_SSL_CA", "/etc/ssl/ca.pem")
    auth = get_auth("ssl")
    assert auth.producer_config()["ssl.ca.location"] == "/etc/ssl/ca.pem"
    assert auth.spark_options() == {
        "kafka.security.protocol": "SSL",
        "kafka.ssl.truststore.type": "PEM",
        "kafka.ssl.truststore.location": "/etc/ssl/ca.pem",
    }
