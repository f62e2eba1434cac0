"""The Kafka authentication interface and the registry that picks a backend by name.

A ``KafkaAuth`` turns one way of authenticating into the settings of the two clients vts
uses: confluent-kafka (producers, consumers, admin; ``producer_config``) and Spark's Kafka
source (``spark_options``, already ``kafka.``-prefixed). Backends are imported lazily, so
a missing optional dependency (the MSK IAM signer) matters only to the mode that needs it.

Secrets never appear in ``repr``/``describe``; the dictionaries these return do carry them,
so never log those dictionaries.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from vts.kafka.exceptions import ConfigError
from vts.settings import env

logger = logging.getLogger(__name__)

ConfigValue = str | Callable[..., Any]

# mode -> "module:Class"; imported only when that mode is asked for.
AVAILABLE_AUTH: Mapping[str, str] = {
    "plaintext": "vts.kafka.auth.plaintext:PlaintextAuth",
    "ssl": "vts.kafka.auth.tls:SslAuth",
    "scram": "vts.kafka.auth.scram:ScramAuth",
    "iam": "vts.kafka.auth.msk_iam:MskIamAuth",
}
_ALIASES: Mapping[str, str] = {
    "none": "plaintext",
    "tls": "ssl",
    "sasl_scram": "scram",
    "msk_iam": "iam",
    "msk-iam": "iam",
}


class KafkaAuth(ABC):
    """How a client proves who it is to the brokers (and whether the connection is TLS)."""

    mode: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_settings(cls, **settings: Any) -> KafkaAuth:
        """Build from keyword settings, falling back to ``VTS_KAFKA_*`` environment variables."""

    @abstractmethod
    def producer_config(self) -> dict[str, ConfigValue]:
        """confluent-kafka settings (``security.protocol``, ``sasl.*``, ``oauth_cb``).

        The same settings serve producers, consumers and admin clients.
        """

    @abstractmethod
    def spark_options(self) -> dict[str, str]:
        """Options for Spark's Kafka source/sink, each prefixed with ``kafka.``."""

    def describe(self) -> str:
        """A one-line description that is safe to log (no secrets)."""
        return self.mode

    def failure_hint(self) -> str:
        """What to check when the brokers refuse these credentials."""
        return "check that the bootstrap address is the listener for this authentication mode"


def _normalise(mode: str) -> str:
    key = mode.strip().lower()
    return _ALIASES.get(key, key)


def get_auth(mode: str, **settings: Any) -> KafkaAuth:
    """The ``KafkaAuth`` for ``mode`` (plaintext, ssl, scram, iam), built from ``settings``.

    Unknown modes raise ``ConfigError`` listing the valid ones; a mode whose optional
    dependency is missing raises ``NotInstalledError`` naming the pip extra.
    """
    key = _normalise(mode)
    target = AVAILABLE_AUTH.get(key)
    if target is None:
        raise ConfigError(
            f"unknown Kafka authentication mode {mode!r}",
            hint=f"use one of: {', '.join(AVAILABLE_AUTH)} (VTS_KAFKA_AUTH)",
        )
    module_name, _, class_name = target.partition(":")
    backend: type[KafkaAuth] = getattr(importlib.import_module(module_name), class_name)
    auth = backend.from_settings(**settings)
    logger.debug("Kafka authentication: %s", auth.describe())
    return auth


def auth_from_env(**settings: Any) -> KafkaAuth:
    """The authentication ``VTS_KAFKA_AUTH`` names (default ``plaintext``)."""
    return get_auth(env("KAFKA_AUTH", "plaintext") or "plaintext", **settings)
