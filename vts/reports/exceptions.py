"""Errors of the reports job."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError


class ReportsError(TerminalError):
    """The reports could not be built; the message says why."""


class NoLakeDataError(ConfigError):
    """No fixes for the asked day in the lake."""
