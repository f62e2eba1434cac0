"""Errors of the catalog backends and the crawler."""

from __future__ import annotations

from vts.exceptions import ConfigError, TerminalError, TransientError
from vts.storage.exceptions import LakeNotFoundError  # the crawler raises it for a missing root

__all__ = [
    "CatalogError",
    "CatalogUnavailableError",
    "ConfigError",
    "LakeNotFoundError",
    "SchemaChangeRejectedError",
    "UnsupportedTypeError",
    "UnusableFileError",
]


class CatalogError(TerminalError):
    """The catalog refused a request (bad name, conflicting definition, permissions)."""


class CatalogUnavailableError(TransientError):
    """The catalog could not be reached or throttled us; retrying may succeed."""


class SchemaChangeRejectedError(TerminalError):
    """New files change a table's schema and the policy is ``fail``."""

    def __init__(self, table: str, change: str) -> None:
        super().__init__(
            f"schema of {table} changed ({change}) and the schema-change policy is 'fail'",
            hint="re-run with --policy add-columns to add the new columns, or --policy log "
            "to register the data under the old schema",
        )
        self.table = table
        self.change = change


class UnusableFileError(TerminalError):
    """A file the crawler cannot register; ``kind`` is a stable code, ``reason`` the detail.

    Kinds: ``not_parquet``, ``corrupt``, ``unsupported_type``, ``incompatible``. The crawler
    reports it and skips the partition (or unpartitioned table) that holds the file.
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(
            reason,
            hint="fix or remove the file (queries would read it too), then crawl again",
        )
        self.kind = kind
        self.reason = reason


class UnsupportedTypeError(UnusableFileError):
    """A column whose Parquet type no engine here can read."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__("unsupported_type", f"column {column!r}: {reason}")
        self.column = column
