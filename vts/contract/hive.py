"""Glue Data Catalog / Hive column types, generated from the contract."""

from __future__ import annotations

from vts.contract.events import EventType
from vts.contract.fields import FieldType

HIVE_TYPES: dict[FieldType, str] = {
    "string": "string",
    "double": "double",
    "int": "int",
    "timestamp": "timestamp",
}

# Partition columns the job derives from event time (UTC), in folder order.
PARTITION_COLUMNS: tuple[tuple[str, str], ...] = (("dt", "string"), ("hr", "string"))


def hive_columns(et: EventType) -> list[tuple[str, str]]:
    """``[(column, hive_type), ...]`` for a table's data columns (no partition columns)."""
    return [(f.name, HIVE_TYPES[f.type]) for f in et.fields]


def glue_columns(et: EventType) -> list[dict[str, str]]:
    """The same columns in the shape of Glue's ``StorageDescriptor.Columns``."""
    return [
        {"Name": name, "Type": typ, "Comment": f.description[:255]}
        for (name, typ), f in zip(hive_columns(et), et.fields, strict=True)
    ]
