"""Errors of the reports job."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError


class ReportsError(TerminalError):
    """The reports could not be built; the message says why."""


class NoLakeDataError(ConfigError):
    """No fixes for the asked day in the lake."""


class ReportsArgsError(ConfigError):
    """A reports job argument (Glue ``--name`` or CLI flag) is missing or malformed."""

    def __init__(self, name: str, problem: str, *, hint: str) -> None:
        super().__init__(f"reports argument {name}: {problem}", hint=hint or None)
        self.name = name
