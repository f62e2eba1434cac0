"""Errors of the query runner."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError

__all__ = ["ConfigError", "ParamError", "QueryError", "QueryNotFoundError"]


class QueryError(TerminalError):
    """Spark refused or failed a statement."""


class QueryNotFoundError(ConfigError):
    """Neither a file, nor an analytic's name, nor SQL."""

    def __init__(self, target: str, known: list[str]) -> None:
        super().__init__(
            f"no SQL file or analytic called {target!r}",
            hint="pass a .sql file, quoted SQL, or one of: " + ", ".join(known),
        )
        self.target = target


class ParamError(ConfigError):
    """A ``${name}`` placeholder without a value, or a value that is not plain text."""
