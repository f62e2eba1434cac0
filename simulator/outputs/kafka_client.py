"""The Kafka client the producer drives: the part of ``confluent_kafka.Producer`` it uses,
and the stand-in that replaces a closed client."""

from __future__ import annotations

from typing import Protocol

from vts.exceptions import TerminalError


class KafkaClient(Protocol):
    """The part of ``confluent_kafka.Producer`` used here (tests pass a fake's factory)."""

    def produce(self, topic: str, value: bytes | None = ..., key: bytes | None = ...) -> None: ...
    def poll(self, timeout: float = ...) -> int: ...
    def flush(self, timeout: float = ...) -> int: ...
    def init_transactions(self, timeout: float = ...) -> None: ...
    def begin_transaction(self) -> None: ...
    def commit_transaction(self, timeout: float = ...) -> None: ...
    def abort_transaction(self, timeout: float = ...) -> None: ...


class ClosedClient:
    """Stands in for the client after ``close``: using it is a programming error."""

    @staticmethod
    def _closed() -> TerminalError:
        return TerminalError("the producer is closed", hint="create a new Producer")

    def produce(self, topic: str, value: bytes | None = None, key: bytes | None = None) -> None:
        raise self._closed()

    def poll(self, timeout: float = 0.0) -> int:
        raise self._closed()

    def flush(self, timeout: float = 0.0) -> int:
        raise self._closed()

    def init_transactions(self, timeout: float = 0.0) -> None:
        raise self._closed()

    def begin_transaction(self) -> None:
        raise self._closed()

    def commit_transaction(self, timeout: float = 0.0) -> None:
        raise self._closed()

    def abort_transaction(self, timeout: float = 0.0) -> None:
        raise self._closed()
