"""SASL/SCRAM: a username and password, from the environment or a Secrets Manager secret.

MSK keeps SCRAM credentials in Secrets Manager secrets (named ``AmazonMSK_...``) holding
JSON ``{"username": ..., "password": ...}``; ``VTS_KAFKA_SECRET_ARN`` points at one. Locally
``VTS_KAFKA_USERNAME``/``VTS_KAFKA_PASSWORD`` do. Where the credentials came from is kept
(for error hints); the password is never in ``repr`` or ``describe``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from vts.exceptions import TransientError
from vts.kafka.auth.base import ConfigValue, KafkaAuth
from vts.kafka.exceptions import ConfigError
from vts.settings import env

logger = logging.getLogger(__name__)

MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256")
# librdkafka before 2.6.1 puts the client nonce twice into the SCRAM client-final message;
# Kafka 4.x brokers compare the nonce strictly (RFC 5802) and refuse every such login, with
# the same "invalid credentials" error as a wrong password (confluentinc/librdkafka#4895).
# The Lambda layer's confluent-kafka 2.4.0 (the newest with manylinux2014 wheels, i.e. the
# newest Amazon Linux 2 can load) carries librdkafka 2.4.0.
SCRAM_NONCE_FIXED_IN = (2, 6, 1)
PROTOCOLS = ("SASL_SSL", "SASL_PLAINTEXT")
_NOT_FOUND = {"ResourceNotFoundException"}
_DENIED = {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException"}


def _jaas_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class ScramAuth(KafkaAuth):
    """SCRAM over SASL_SSL (MSK, port 9096) or SASL_PLAINTEXT (the local SCRAM listener)."""

    username: str
    password: str = field(repr=False)
    mechanism: str = "SCRAM-SHA-512"
    security_protocol: str = "SASL_SSL"
    source: str = "arguments"
    mode: ClassVar[str] = "scram"

    def __post_init__(self) -> None:
        if self.mechanism not in MECHANISMS:
            raise ConfigError(
                f"unknown SCRAM mechanism {self.mechanism!r}",
                hint=f"use one of {', '.join(MECHANISMS)} (MSK supports SCRAM-SHA-512)",
            )
        if self.security_protocol not in PROTOCOLS:
            raise ConfigError(
                f"SCRAM needs a SASL security protocol, not {self.security_protocol!r}",
                hint=f"use one of {', '.join(PROTOCOLS)} (VTS_KAFKA_SECURITY_PROTOCOL)",
            )

    @classmethod
    def from_settings(
        cls,
        *,
        username: str | None = None,
        password: str | None = None,
        secret_arn: str | None = None,
        mechanism: str | None = None,
        security_protocol: str | None = None,
        region: str | None = None,
        secrets_client: Any = None,
        **unused: Any,
    ) -> ScramAuth:
        """Credentials from, in order: the arguments, ``secret_arn``, ``VTS_KAFKA_USERNAME`` and
        ``VTS_KAFKA_PASSWORD``, ``VTS_KAFKA_SECRET_ARN``."""
        if unused:
            raise TypeError(f"scram authentication got unknown settings {sorted(unused)}")
        mechanism = mechanism or env("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512") or "SCRAM-SHA-512"
        protocol = security_protocol or env("KAFKA_SECURITY_PROTOCOL", "SASL_SSL") or "SASL_SSL"
        if username is not None or password is not None:
            if not (username and password):
                raise ConfigError(
                    "SCRAM needs both a username and a password; only one was given",
                    hint="pass both, or neither to read them from the environment",
                )
            return cls(username, password, mechanism, protocol, "arguments")
        if secret_arn is None:
            env_user, env_password = env("KAFKA_USERNAME"), env("KAFKA_PASSWORD")
            if env_user and env_password:
                return cls(env_user, env_password, mechanism, protocol, "environment")
            if env_user or env_password:
                raise ConfigError(
                    "only one of VTS_KAFKA_USERNAME and VTS_KAFKA_PASSWORD is set",
                    hint="set both, or unset both and set VTS_KAFKA_SECRET_ARN",
                )
            secret_arn = env("KAFKA_SECRET_ARN")
        if secret_arn is None:
            raise ConfigError(
                "SCRAM authentication has no credentials",
                hint="set VTS_KAFKA_SECRET_ARN to a Secrets Manager secret holding "
                '{"username": ..., "password": ...}, or VTS_KAFKA_USERNAME and VTS_KAFKA_PASSWORD',
            )
        user, secret = read_secret(secret_arn, region=region, client=secrets_client)
        return cls(user, secret, mechanism, protocol, f"secret {secret_arn}")

    def producer_config(self) -> dict[str, ConfigValue]:
        return {
            "security.protocol": self.security_protocol,
            "sasl.mechanisms": self.mechanism,
            "sasl.username": self.username,
            "sasl.password": self.password,
        }

    def spark_options(self) -> dict[str, str]:
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f"username={_jaas_quote(self.username)} password={_jaas_quote(self.password)};"
        )
        return {
            "kafka.security.protocol": self.security_protocol,
            "kafka.sasl.mechanism": self.mechanism,
            "kafka.sasl.jaas.config": jaas,
        }

    def describe(self) -> str:
        return (
            f"{self.mechanism} user {self.username!r} over {self.security_protocol} ({self.source})"
        )

    def failure_hint(self) -> str:
        where = {
            "environment": "VTS_KAFKA_USERNAME / VTS_KAFKA_PASSWORD",
            "arguments": "the username and password passed in",
        }.get(self.source, self.source)
        hint = (
            f"check the password of user {self.username!r} (from {where}), that the user exists "
            f"on the cluster with {self.mechanism}, and that the bootstrap address is the "
            "SASL/SCRAM listener (MSK: port 9096)"
        )
        version = librdkafka_version()
        if version is not None and version < SCRAM_NONCE_FIXED_IN:
            hint += (
                f"; if the cluster runs Kafka 4.x, no password works: this librdkafka "
                f"({'.'.join(map(str, version))}) cannot log in to Kafka 4.x brokers with "
                "SCRAM (fixed in librdkafka 2.6.1, which the Lambda python3.11 layer cannot "
                "load), so use MSK IAM auth or a cluster on Kafka 3.x"
            )
        return hint


def librdkafka_version() -> tuple[int, ...] | None:
    """The loaded librdkafka's version, or None without confluent-kafka (Glue uses Java's)."""
    try:
        from confluent_kafka import libversion
    except ImportError:
        return None
    text = libversion()[0].split("-")[0]
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _region_of(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 6 and parts[0] == "arn" and parts[3] else None


def read_secret(arn: str, *, region: str | None = None, client: Any = None) -> tuple[str, str]:
    """``(username, password)`` from a Secrets Manager secret in MSK's JSON convention.

    The region defaults to the one in the ARN. Errors name the secret, never its content.
    """
    if client is None:
        import boto3

        client = boto3.client(
            "secretsmanager", region_name=region or env("KAFKA_REGION") or _region_of(arn)
        )
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = client.get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _NOT_FOUND:
            raise ConfigError(
                f"the Kafka SCRAM secret {arn} does not exist",
                hint="check VTS_KAFKA_SECRET_ARN (and the region)",
            ) from exc
        if code in _DENIED:
            raise ConfigError(
                f"not allowed to read the Kafka SCRAM secret {arn} ({code})",
                hint="grant secretsmanager:GetSecretValue on it (and kms:Decrypt on its key)",
            ) from exc
        raise TransientError(
            f"reading the Kafka SCRAM secret {arn} failed ({code})", hint="retry"
        ) from exc
    except BotoCoreError as exc:
        raise TransientError(
            f"reading the Kafka SCRAM secret {arn} failed ({type(exc).__name__})",
            hint="check network access to Secrets Manager and the AWS credentials, then retry",
        ) from exc
    try:
        document = json.loads(response.get("SecretString") or "")
        username, password = document["username"], document["password"]
    except (ValueError, TypeError, KeyError):
        raise ConfigError(
            f"the Kafka SCRAM secret {arn} is not JSON with 'username' and 'password'",
            hint='store it as {"username": "...", "password": "..."} (MSK\'s convention)',
        ) from None  # the parse error could quote the secret
    if not (isinstance(username, str) and isinstance(password, str) and username and password):
        raise ConfigError(
            f"the Kafka SCRAM secret {arn} has an empty or non-text username or password",
            hint='store it as {"username": "...", "password": "..."}',
        )
    logger.info("Kafka SCRAM credentials for user %r read from %s", username, arn)
    return username, password
