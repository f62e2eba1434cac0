"""What a crawl did: tables created or updated, partitions and files added, schema changes,
and everything skipped with its reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from vts.catalog.discovery import Skip

__all__ = ["CrawlReport", "SchemaChange", "Skip", "TableResult"]


@dataclass(frozen=True)
class SchemaChange:
    """A column new files brought; ``action`` is ``added``, ``ignored`` or ``rejected``."""

    table: str
    column: str
    type: str
    action: str


@dataclass(frozen=True)
class TableResult:
    """One table after the crawl; ``action`` is ``created``, ``updated`` or ``unchanged``."""

    table: str
    location: str
    action: str
    partition_keys: tuple[str, ...]
    partitions_added: int
    files_added: int
    rows_added: int
    columns: int


@dataclass(frozen=True)
class CrawlReport:
    database: str
    root: str
    policy: str
    tables: tuple[TableResult, ...]
    schema_changes: tuple[SchemaChange, ...]
    skipped: tuple[Skip, ...]

    @property
    def ok(self) -> bool:
        """False when the ``fail`` policy rejected a schema change."""
        return not any(c.action == "rejected" for c in self.schema_changes)

    def table(self, name: str) -> TableResult | None:
        return next((t for t in self.tables if t.table == name), None)

    def skipped_kinds(self) -> dict[str, list[str]]:
        """``{kind: [path, …]}`` of the skipped items."""
        kinds: dict[str, list[str]] = {}
        for skip in self.skipped:
            kinds.setdefault(skip.kind, []).append(skip.path)
        return kinds

    @property
    def totals(self) -> dict[str, int]:
        return {
            "tables_created": sum(t.action == "created" for t in self.tables),
            "tables_updated": sum(t.action == "updated" for t in self.tables),
            "partitions_added": sum(t.partitions_added for t in self.tables),
            "files_added": sum(t.files_added for t in self.tables),
            "rows_added": sum(t.rows_added for t in self.tables),
            "schema_changes": len(self.schema_changes),
            "skipped": len(self.skipped),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "root": self.root,
            "policy": self.policy,
            "ok": self.ok,
            "totals": self.totals,
            "tables": [asdict(t) for t in self.tables],
            "schema_changes": [asdict(c) for c in self.schema_changes],
            "skipped": [asdict(s) for s in self.skipped],
        }
