"""Kafka administration over confluent-kafka: wait for a cluster, create topics, SCRAM users.

Every function takes the bootstrap address and an optional ``KafkaAuth`` (plaintext when
omitted). Authentication failures become ``KafkaAuthError`` with the backend's hint, so a
wrong password says so instead of timing out as "broker transport failure".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import (
    AdminClient,
    NewTopic,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)

from vts.kafka.auth import KafkaAuth
from vts.kafka.auth.plaintext import PlaintextAuth
from vts.kafka.exceptions import KafkaAdminError, KafkaAuthError, KafkaUnavailableError

logger = logging.getLogger(__name__)
_AUTH_CODES = {KafkaError._AUTHENTICATION, KafkaError.SASL_AUTHENTICATION_FAILED}


class _LibrdkafkaLog:
    """Routes librdkafka's log lines to our logger at DEBUG (probing a starting broker is noisy)."""

    def log(self, level: int, msg: str, *args: Any) -> None:
        logger.debug("librdkafka: " + msg, *args)


class _Client:
    """An AdminClient that remembers the errors librdkafka reported in the background."""

    def __init__(self, bootstrap: str, auth: KafkaAuth | None, **extra: Any) -> None:
        self.bootstrap = bootstrap
        self.auth = auth or PlaintextAuth()
        self.errors: list[KafkaError] = []
        config: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            **self.auth.producer_config(),
            "error_cb": self.errors.append,
            "logger": _LibrdkafkaLog(),
            **extra,
        }
        self.admin = AdminClient(config)

    def raise_if_auth_failed(self) -> None:
        self.admin.poll(0)  # serves error_cb
        for err in self.errors:
            if err.code() in _AUTH_CODES:
                raise KafkaAuthError(
                    self.bootstrap, self.auth.describe(), err.str(), hint=self.auth.failure_hint()
                )


def admin_client(bootstrap: str, auth: KafkaAuth | None = None, **extra: Any) -> AdminClient:
    """A confluent-kafka ``AdminClient`` for ``bootstrap`` with ``auth``'s settings."""
    return _Client(bootstrap, auth, **extra).admin


def wait_until_ready(
    bootstrap: str,
    auth: KafkaAuth | None = None,
    *,
    timeout: float = 60.0,
    interval: float = 0.5,
    check: Callable[[], None] | None = None,
) -> int:
    """Block until the cluster answers a metadata request; return how many brokers it has.

    ``check`` runs between attempts and may raise to stop waiting (e.g. when the broker
    process has exited). Raises ``KafkaAuthError`` at once when the credentials are refused
    and ``KafkaUnavailableError`` after ``timeout`` seconds.
    """
    # reconnect often: librdkafka's default backoff grows to 10s while the broker starts
    client = _Client(bootstrap, auth, **{"reconnect.backoff.max.ms": 500})
    start = time.monotonic()
    deadline = start + timeout
    last = ""
    attempt_timeout = 1.0  # grows to 5s: quick while the broker starts, patient over TLS
    while True:
        remaining = deadline - time.monotonic()
        try:
            metadata = client.admin.list_topics(timeout=max(0.5, min(attempt_timeout, remaining)))
        except KafkaException as exc:
            last = str(exc.args[0].str() if exc.args else exc)
        else:
            if metadata.brokers:
                logger.debug(
                    "Kafka at %s answered after %.1fs (%d broker(s))",
                    bootstrap,
                    time.monotonic() - start,
                    len(metadata.brokers),
                )
                return len(metadata.brokers)
            last = "no brokers in the metadata yet"
        attempt_timeout = min(5.0, attempt_timeout * 2)
        client.raise_if_auth_failed()
        if check is not None:
            check()
        if time.monotonic() + interval >= deadline:
            raise KafkaUnavailableError(
                bootstrap,
                timeout,
                last,
                hint="check the address and that the cluster is up (locally: `vts local status`)",
            )
        time.sleep(interval)


def _metadata(bootstrap: str, auth: KafkaAuth | None, timeout: float) -> Any:
    """The cluster's metadata (brokers, topics, id), or why it cannot be had."""
    client = _Client(bootstrap, auth)
    try:
        return client.admin.list_topics(timeout=timeout)
    except KafkaException as exc:
        client.raise_if_auth_failed()
        raise KafkaUnavailableError(
            bootstrap, timeout, str(exc), hint="check the address and that the cluster is up"
        ) from exc


def cluster_id(bootstrap: str, auth: KafkaAuth | None = None, *, timeout: float = 15.0) -> str:
    """The cluster's id (a new KRaft cluster gets a new one): which Kafka this is."""
    return str(_metadata(bootstrap, auth, timeout).cluster_id)


def retention_config(hours: float) -> dict[str, str]:
    """Topic settings for a retention of ``hours`` (fractions allowed)."""
    if hours <= 0:
        raise ValueError("retention must be positive")
    return {"retention.ms": str(int(hours * 3_600_000))}


def create_topics(
    bootstrap: str,
    names: Iterable[str],
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    config: Mapping[str, str] | None = None,
    auth: KafkaAuth | None = None,
    timeout: float = 30.0,
) -> dict[str, bool]:
    """Create the topics that do not exist; ``{name: True if created, False if it existed}``."""
    client = _Client(bootstrap, auth)
    new = [
        NewTopic(name, partitions, replication_factor, config=dict(config or {})) for name in names
    ]
    if not new:
        return {}
    futures = client.admin.create_topics(new, operation_timeout=timeout, request_timeout=timeout)
    created: dict[str, bool] = {}
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
            created[name] = True
        except KafkaException as exc:
            err: KafkaError = exc.args[0]
            if err.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                created[name] = False
                continue
            client.raise_if_auth_failed()
            raise KafkaAdminError(
                f"creating topic {name!r} on {bootstrap} failed: {err.str()}",
                hint="check the topic settings and that the cluster is reachable",
            ) from exc
    _wait_for_topics(client, list(created), timeout)
    logger.debug(
        "topics on %s: created %s, existed %s",
        bootstrap,
        sorted(n for n, c in created.items() if c),
        sorted(n for n, c in created.items() if not c),
    )
    return created


def _wait_for_topics(client: _Client, names: list[str], timeout: float) -> None:
    """Wait until the broker's metadata shows each topic with a leader for every partition
    (creation returns once the controller commits; the broker learns of it a moment later)."""
    deadline = time.monotonic() + timeout
    missing = names
    while missing:
        metadata = client.admin.list_topics(timeout=max(0.5, deadline - time.monotonic()))
        missing = [
            name
            for name in names
            if (topic := metadata.topics.get(name)) is None
            or topic.error is not None
            or not topic.partitions
            or any(p.leader < 0 for p in topic.partitions.values())
        ]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise KafkaAdminError(
                f"topics {missing} were created on {client.bootstrap} but have no leader yet",
                hint="check the broker log; retry in a moment",
            )
        time.sleep(0.1)


def topic_partitions(
    bootstrap: str, auth: KafkaAuth | None = None, *, timeout: float = 10.0
) -> dict[str, int]:
    """``{topic: partition count}`` of the non-internal topics."""
    metadata = _metadata(bootstrap, auth, timeout)
    return {
        name: len(topic.partitions)
        for name, topic in sorted(metadata.topics.items())
        if not name.startswith("__")
    }


def upsert_scram_users(
    bootstrap: str,
    users: Mapping[str, str],
    *,
    mechanism: str = "SCRAM-SHA-512",
    iterations: int = 8192,
    auth: KafkaAuth | None = None,
    timeout: float = 30.0,
) -> None:
    """Create or update SCRAM credentials (``{name: password}``) through the admin API."""
    if not users:
        return
    client = _Client(bootstrap, auth)
    scram = ScramMechanism[mechanism.replace("-", "_")]
    upserts: list[UserScramCredentialAlteration] = [
        UserScramCredentialUpsertion(
            name, ScramCredentialInfo(scram, iterations), password.encode()
        )
        for name, password in users.items()
    ]
    futures = client.admin.alter_user_scram_credentials(upserts, request_timeout=timeout)
    for name, future in futures.items():
        try:
            future.result(timeout=timeout)
        except KafkaException as exc:
            raise KafkaAdminError(
                f"setting the SCRAM credentials of {name!r} on {bootstrap} failed: "
                f"{exc.args[0].str() if exc.args else exc}",
                hint="check that the cluster supports SCRAM (KRaft, Kafka 3.5+)",
            ) from exc
    logger.info("SCRAM credentials set for %s on %s", sorted(users), bootstrap)
