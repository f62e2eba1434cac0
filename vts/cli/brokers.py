"""Which Kafka broker a command talks to, when the user does not say."""

from __future__ import annotations

from vts.exceptions import ConfigError
from vts.settings import env


def resolve_bootstrap(broker: str | None) -> str:
    """``--broker``, else ``$VTS_KAFKA_BOOTSTRAP``, else the running ``vts local up`` broker."""
    if broker:
        return broker
    from_env = env("KAFKA_BOOTSTRAP")
    if from_env:
        return from_env
    from vts.local.kafka_broker import LocalKafka

    status = LocalKafka().status(probe_timeout=2.0)
    if status.bootstrap:
        return status.bootstrap
    raise ConfigError(
        "no Kafka broker given",
        hint="pass --broker HOST:PORT, set VTS_KAFKA_BOOTSTRAP, or start one with `vts local up`",
    )
