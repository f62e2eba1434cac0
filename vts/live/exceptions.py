"""Errors of the live path."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError, TransientError

__all__ = [
    "BadEventError",
    "ConfigError",
    "LiveReferenceError",
    "PublishError",
    "StoreError",
    "StoreUnavailableError",
]


class StoreUnavailableError(TransientError):
    """The Redis-protocol server did not answer (down, unreachable, or still starting)."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(
            f"the live store at {url} did not answer ({detail})",
            hint="start one with `vts local up`, or set VTS_LIVE_URL to a running server",
        )
        self.url = url


class StoreError(TerminalError):
    """The server refused a request (credentials, permissions, a script error)."""


class BadEventError(TerminalError):
    """An invocation event that is not the MSK event source mapping's shape."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"not an MSK event source mapping event: {detail}",
            hint='the event must be {"eventSource": "aws:kafka", "records": '
            '{"<topic>-<partition>": [...]}} (see events/live_consumer_*.json)',
        )


class LiveReferenceError(TerminalError):
    """The reference tables the live rules need are missing, unreadable or invalid."""


class PublishError(TransientError):
    """EventBridge refused alerts (after retrying the failed entries)."""
