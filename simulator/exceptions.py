"""Errors of the simulator and its producer."""

from __future__ import annotations

from collections.abc import Mapping

from vts.exceptions import ConfigError, TerminalError, TransientError

__all__ = [
    "BadWindowError",
    "ConfigError",
    "DeliveryFailedError",
    "FlushTimeoutError",
    "ProduceError",
    "TransactionFailedError",
    "UnknownScenarioError",
]


class UnknownScenarioError(ConfigError):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown scenario {name!r}", hint=f"use one of {', '.join(known)}")
        self.name = name


class BadWindowError(ConfigError):
    """A time window or shard that cannot be generated (bad bounds, shard out of range)."""


class FlushTimeoutError(TransientError):
    """Messages were still queued when the flush timeout ran out."""

    def __init__(self, remaining: int, timeout: float, bootstrap: str) -> None:
        super().__init__(
            f"{remaining} messages were still undelivered after flushing for {timeout:g}s "
            f"(broker {bootstrap})",
            hint="check that the broker is reachable and healthy, or raise the flush timeout; "
            "re-running the same window is safe (events are deterministic and deduplicated)",
        )
        self.remaining = remaining


class DeliveryFailedError(TransientError):
    """The broker rejected or timed out some messages."""

    def __init__(self, failed: Mapping[str, int], first_error: str | None) -> None:
        total = sum(failed.values())
        per_topic = ", ".join(f"{t}={n}" for t, n in failed.items() if n)
        detail = f"; first error: {first_error}" if first_error else ""
        super().__init__(
            f"{total} messages failed delivery ({per_topic}){detail}",
            hint="re-run the same window (identical event_ids are deduplicated downstream) "
            "once the broker is healthy",
        )
        self.failed = dict(failed)


class ProduceError(TerminalError):
    """The client refused a message outright (most often: the topic does not exist)."""

    def __init__(self, topic: str, bootstrap: str, cause: Exception) -> None:
        detail = cause.args[0].str() if cause.args and hasattr(cause.args[0], "str") else cause
        super().__init__(
            f"cannot produce to {topic!r} on {bootstrap}: {detail}",
            hint="create the topics first (`vts local up` creates the five topics; with a topic "
            "prefix pass --create-topics), and check the topic prefix",
        )
        self.topic = topic


class TransactionFailedError(TransientError):
    """Kafka refused a step of a window's transaction; nothing of the window is visible."""

    def __init__(
        self, step: str, transactional_id: str, bootstrap: str, detail: str, *, fatal: bool
    ) -> None:
        if fatal:
            hint = (
                "another producer with this transactional.id took over (a newer attempt at the "
                "shard): this attempt's events were aborted; the next invocation uses a new "
                "producer. If the cluster cannot run transactions at all, set "
                "VTS_KAFKA_TRANSACTIONS=false (template parameter KafkaTransactions=false)"
            )
        else:
            hint = (
                "re-run the window once the broker is healthy (the aborted events are never "
                "visible to a read_committed reader). If the cluster cannot run transactions, "
                "set VTS_KAFKA_TRANSACTIONS=false (template parameter KafkaTransactions=false); "
                "MSK IAM needs kafka-cluster:DescribeTransactionalId and AlterTransactionalId"
            )
        super().__init__(
            f"{step} failed for transactional.id {transactional_id!r} on {bootstrap}: {detail}",
            hint=hint,
        )
        self.step = step
        self.fatal = fatal
