"""SCRAM settings: from arguments, the environment, or Secrets Manager (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from vts.exceptions import TransientError
from vts.kafka.auth import get_auth
from vts.kafka.auth.scram import ScramAuth, read_secret
from vts.kafka.exceptions import ConfigError

PASSWORD = 'pa"ss\\word-xyz'  # noqa: S105 - test value; a quote and a backslash for JAAS


@pytest.fixture
def secretsmanager() -> Iterator[Any]:
    """A moto (mocked) Secrets Manager in eu-west-1; nothing reaches AWS."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-west-1")


def _secret(client: Any, value: str, name: str = "AmazonMSK_vts") -> str:
    return str(client.create_secret(Name=name, SecretString=value)["ARN"])


def test_scram_from_arguments() -> None:
    auth = get_auth("scram", username="svc", password=PASSWORD)
    assert isinstance(auth, ScramAuth)
    assert auth.producer_config() == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "SCRAM-SHA-512",
        "sasl.username": "svc",
        "sasl.password": PASSWORD,
    }


def test_spark_options_escape_the_jaas_password() -> None:
    options = get_auth("scram", username="svc", password=PASSWORD).spark_options()
    assert options["kafka.security.protocol"] == "SASL_SSL"
    assert options["kafka.sasl.mechanism"] == "SCRAM-SHA-512"
    assert options["kafka.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="svc" password="pa\\"ss\\\\word-xyz";'
    )


def test_password_never_in_repr_str_or_describe() -> None:
    auth = get_auth("scram", username="svc", password=PASSWORD)
    for text in (repr(auth), str(auth), auth.describe(), auth.failure_hint()):
        assert PASSWORD not in text
        assert "svc" in text


def test_scram_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTS_KAFKA_USERNAME", "env-user")
    monkeypatch.setenv("VTS_KAFKA_PASSWORD", "env-pw")
    monkeypatch.setenv("VTS_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("VTS_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    auth = get_auth("scram")
    assert isinstance(auth, ScramAuth)
    assert (auth.username, auth.password, auth.source) == ("env-user", "env-pw", "environment")
    assert auth.producer_config()["security.protocol"] == "SASL_PLAINTEXT"
    assert auth.spark_options()["kafka.sasl.mechanism"] == "SCRAM-SHA-256"
    assert "VTS_KAFKA_PASSWORD" in auth.failure_hint()


def test_half_the_credentials_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="both a username and a password"):
        get_auth("scram", username="only-me")
    monkeypatch.setenv("VTS_KAFKA_USERNAME", "only-me")
    with pytest.raises(ConfigError, match="only one of VTS_KAFKA_USERNAME"):
        get_auth("scram")


def test_no_credentials_says_where_to_put_them() -> None:
    with pytest.raises(ConfigError) as info:
        get_auth("scram")
    assert "VTS_KAFKA_SECRET_ARN" in str(info.value)
    assert "VTS_KAFKA_USERNAME" in str(info.value)


def test_bad_mechanism_or_protocol() -> None:
    with pytest.raises(ConfigError, match="SCRAM mechanism"):
        get_auth("scram", username="u", password="p", mechanism="PLAIN")  # noqa: S106
    with pytest.raises(ConfigError, match="SASL security protocol"):
        get_auth("scram", username="u", password="p", security_protocol="SSL")  # noqa: S106


def test_scram_from_secrets_manager_moto(
    secretsmanager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The MSK convention (moto): JSON {"username", "password"} behind VTS_KAFKA_SECRET_ARN;
    the region comes from the ARN (the test's default region is another one)."""
    arn = _secret(secretsmanager, json.dumps({"username": "msk-user", "password": PASSWORD}))
    monkeypatch.setenv("VTS_KAFKA_SECRET_ARN", arn)
    auth = get_auth("scram")
    assert isinstance(auth, ScramAuth)
    assert (auth.username, auth.password) == ("msk-user", PASSWORD)
    assert auth.source == f"secret {arn}"
    assert arn in auth.failure_hint()
    assert PASSWORD not in repr(auth)


def test_secret_arn_argument_beats_environment_credentials_moto(
    secretsmanager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = _secret(secretsmanager, json.dumps({"username": "from-secret", "password": "pw"}))
    monkeypatch.setenv("VTS_KAFKA_USERNAME", "from-env")
    monkeypatch.setenv("VTS_KAFKA_PASSWORD", "pw")
    from_secret, from_env = get_auth("scram", secret_arn=arn), get_auth("scram")
    assert isinstance(from_secret, ScramAuth) and from_secret.username == "from-secret"
    assert isinstance(from_env, ScramAuth) and from_env.username == "from-env"


def test_missing_secret_moto(secretsmanager: Any) -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_nope-AbCdEf"
    with pytest.raises(ConfigError, match="does not exist"):
        read_secret(arn)


@pytest.mark.parametrize(
    "value",
    ["not json at all: pw-do-not-print", json.dumps({"user": "x", "pass": "pw-do-not-print"})],
)
def test_malformed_secret_is_named_but_not_printed_moto(secretsmanager: Any, value: str) -> None:
    arn = _secret(secretsmanager, value)
    with pytest.raises(ConfigError) as info:
        read_secret(arn)
    assert arn in str(info.value)
    assert "pw-do-not-print" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_empty_password_in_secret_moto(secretsmanager: Any) -> None:
    arn = _secret(secretsmanager, json.dumps({"username": "u", "password": ""}))
    with pytest.raises(ConfigError, match="empty or non-text"):
        read_secret(arn)


class _DenyingClient:
    def __init__(self, code: str) -> None:
        self.code = code

    def get_secret_value(self, SecretId: str) -> Any:  # noqa: N803 - boto3's name
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "GetSecretValue")


def test_access_denied_names_the_permission() -> None:
    with pytest.raises(ConfigError, match="secretsmanager:GetSecretValue"):
        read_secret(
            "arn:aws:secretsmanager:eu-west-1:1:secret:x",
            client=_DenyingClient("AccessDeniedException"),
        )


def test_throttling_is_transient() -> None:
    with pytest.raises(TransientError, match="ThrottlingException"):
        read_secret(
            "arn:aws:secretsmanager:eu-west-1:1:secret:x",
            client=_DenyingClient("ThrottlingException"),
        )


@pytest.mark.parametrize(
    ("librdkafka", "warned"),
    [("2.4.0", True), ("2.6.0", True), ("2.6.1", False), ("2.16.1", False)],
)
def test_the_hint_names_the_kafka_4_scram_limit_of_old_librdkafka(
    monkeypatch: pytest.MonkeyPatch, librdkafka: str, warned: bool
) -> None:
    """librdkafka < 2.6.1 cannot SCRAM-login to Kafka 4.x brokers; the hint says so then."""
    import confluent_kafka

    monkeypatch.setattr(confluent_kafka, "libversion", lambda: (librdkafka, 0))
    hint = ScramAuth("u", PASSWORD, security_protocol="SASL_PLAINTEXT").failure_hint()
    assert "check the password" in hint
    assert (f"librdkafka ({librdkafka}) cannot log in to Kafka 4.x" in hint) is warned
