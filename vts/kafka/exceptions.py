"""Errors talking to Kafka: authentication, reachability, topic administration."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError, TransientError

__all__ = ["ConfigError", "KafkaAuthError", "KafkaUnavailableError", "KafkaAdminError"]


class KafkaAuthError(TerminalError):
    """The broker refused our credentials; retrying with the same ones cannot help."""

    def __init__(self, bootstrap: str, auth: str, detail: str, *, hint: str) -> None:
        super().__init__(f"authentication failed: {bootstrap} refused {auth} ({detail})", hint=hint)
        self.bootstrap = bootstrap


class KafkaUnavailableError(TransientError):
    """No broker answered in time (not up yet, wrong address, or a network problem)."""

    def __init__(self, bootstrap: str, waited: float, detail: str = "", *, hint: str) -> None:
        message = f"no Kafka broker answered at {bootstrap} within {waited:.0f}s"
        if detail:
            message += f" (last error: {detail})"
        super().__init__(message, hint=hint)
        self.bootstrap = bootstrap


class KafkaAdminError(TerminalError):
    """An admin request (create topics, set SCRAM users) failed for a reason other than
    "already exists"."""
