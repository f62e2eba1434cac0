"""The root of every error vts raises on purpose.

Errors carry a message built from their fields and a ``hint`` that tells the user what to
do next. ``TransientError`` marks what may succeed if retried (a broker not yet up, a
throttled API); ``TerminalError`` marks what will fail again until someone changes
something (bad configuration, a missing jar, invalid input).
"""

from __future__ import annotations


class VtsError(Exception):
    """Base class of all vts errors."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  what to do: {self.hint}"
        return self.message


class TransientError(VtsError):
    """May succeed on retry."""


class TerminalError(VtsError):
    """Will not succeed on retry; the message says what must change."""


class ConfigError(TerminalError):
    """A setting is missing or invalid."""


class NotInstalledError(TerminalError):
    """An optional dependency (pip extra or JVM jar) is missing."""

    def __init__(self, what: str, *, extra: str | None = None, hint: str | None = None) -> None:
        if hint is None and extra is not None:
            hint = f"pip install 'vts[{extra}]' (or run `make install`)"
        super().__init__(f"{what} is not installed", hint=hint)
