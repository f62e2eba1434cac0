"""The catalog interface and its registry of backends (lazy imports)."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vts.exceptions import ConfigError

DEFAULT_DATABASE = "vts"


@dataclass(frozen=True)
class Partition:
    """One Hive-style partition: ordered ``(column, value)`` pairs and its folder URI."""

    values: tuple[tuple[str, str], ...]
    location: str

    @property
    def spec(self) -> str:
        """``dt=2024-03-01/hr=10``"""
        return "/".join(f"{k}={v}" for k, v in self.values)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Hive type name: string, double, int, bigint, timestamp, boolean, ...


@dataclass(frozen=True)
class TableSpec:
    """An external Parquet table over a folder."""

    database: str
    name: str
    location: str
    columns: tuple[Column, ...]
    partition_columns: tuple[Column, ...] = ()


class Catalog(ABC):
    """What the job and the crawler need from a catalog, and nothing more."""

    @abstractmethod
    def ensure_database(self, database: str) -> None: ...

    @abstractmethod
    def get_table(self, database: str, table: str) -> TableSpec | None:
        """The table's spec, or ``None`` when it does not exist."""

    @abstractmethod
    def create_table(self, spec: TableSpec) -> None: ...

    @abstractmethod
    def add_columns(self, database: str, table: str, columns: Sequence[Column]) -> None: ...

    @abstractmethod
    def list_partitions(self, database: str, table: str) -> set[str]:
        """Specs (``dt=…/hr=…``) of the partitions registered for the table."""

    @abstractmethod
    def add_partitions(self, database: str, table: str, partitions: Sequence[Partition]) -> int:
        """Register partitions that are not there yet; return how many were new."""

    def table_exists(self, database: str, table: str) -> bool:
        return self.get_table(database, table) is not None


# name -> "module:Class"; imported only when asked for.
AVAILABLE_CATALOGS: dict[str, str] = {
    "spark": "vts.catalog.spark_sql:SparkSqlCatalog",
    "glue": "vts.catalog.glue:GlueCatalog",
}


def get_catalog(name: str, **kwargs: Any) -> Catalog:
    """Build the catalog backend ``name`` (``spark`` locally, ``glue`` on AWS)."""
    try:
        target = AVAILABLE_CATALOGS[name]
    except KeyError:
        raise ConfigError(
            f"unknown catalog {name!r}", hint=f"use one of {', '.join(AVAILABLE_CATALOGS)}"
        ) from None
    module_name, cls_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    catalog: Catalog = cls(**kwargs)
    return catalog
