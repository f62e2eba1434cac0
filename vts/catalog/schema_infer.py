"""Schemas from Parquet footers, as Hive/Glue column types, and how they merge.

Only the footer of each file is read. A type maps to the Hive type Spark 3.5 (Glue 5.1)
reads it as; two files are *compatible* when every shared column maps to the same type.
That includes the safe integer widening: 8-, 16- and 32-bit integers are all stored as
Parquet INT32 and all become ``int``. Widening across physical types (``int`` → ``bigint``,
``float`` → ``double``) is *not* merged: Spark 3.5's Parquet reader refuses to read an
INT32 column as ``bigint`` or a FLOAT as ``double``, so a table declared with the wider
type would fail at query time. New columns merge (files without them read as NULL).

Types no engine here can read are refused with the reason: nanosecond timestamps
(write microseconds), columns of the Parquet NULL type (all-null columns written without
a type), half floats, times and durations.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vts.catalog.base import Column
from vts.catalog.exceptions import UnsupportedTypeError, UnusableFileError
from vts.storage.lake import LakeFS

logger = logging.getLogger(__name__)

PARQUET_MAGIC = b"PAR1"
PARQUET_SUFFIXES = (".parquet", ".parq", ".pqt")


@dataclass(frozen=True)
class FileSchema:
    """What a footer says: the columns (Hive types) and the row count."""

    columns: tuple[Column, ...]
    rows: int


@dataclass(frozen=True)
class Merge:
    """The result of merging a schema into another: the union, and what was new."""

    columns: tuple[Column, ...]
    added: tuple[Column, ...]
    conflicts: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.conflicts


def hive_type(arrow_type: Any, column: str = "?") -> str:
    """The Hive type name for a pyarrow type, or ``UnsupportedType`` saying why not."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_dictionary(arrow_type):
        return hive_type(arrow_type.value_type, column)
    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_int8(arrow_type) or t.is_int16(arrow_type) or t.is_int32(arrow_type):
        return "int"
    if t.is_uint8(arrow_type) or t.is_uint16(arrow_type):
        return "int"
    if t.is_int64(arrow_type) or t.is_uint32(arrow_type):
        return "bigint"
    if t.is_uint64(arrow_type):
        return "decimal(20,0)"
    if t.is_float32(arrow_type):
        return "float"
    if t.is_float64(arrow_type):
        return "double"
    if t.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or _is_string_view(arrow_type):
        return "string"
    if (
        t.is_binary(arrow_type)
        or t.is_large_binary(arrow_type)
        or t.is_fixed_size_binary(arrow_type)
    ):
        return "binary"
    if t.is_date(arrow_type):
        return "date"
    if t.is_timestamp(arrow_type):
        if arrow_type.unit == "ns":
            raise UnsupportedTypeError(
                column,
                "nanosecond timestamps cannot be read by Spark 3.5 or Redshift Spectrum; "
                "write microseconds (pyarrow: coerce_timestamps='us')",
            )
        return "timestamp"
    if t.is_list(arrow_type) or t.is_large_list(arrow_type) or t.is_fixed_size_list(arrow_type):
        return f"array<{hive_type(arrow_type.value_type, column)}>"
    if t.is_map(arrow_type):
        key = hive_type(arrow_type.key_type, column)
        return f"map<{key},{hive_type(arrow_type.item_type, column)}>"
    if t.is_struct(arrow_type):
        fields = [arrow_type.field(i) for i in range(arrow_type.num_fields)]
        inner = ",".join(f"{f.name.lower()}:{hive_type(f.type, column)}" for f in fields)
        return f"struct<{inner}>"
    if arrow_type == pa.null():
        raise UnsupportedTypeError(
            column,
            "it has no type (every value null, Parquet type NULL) and cannot be read as any "
            "column type; write it with an explicit type",
        )
    raise UnsupportedTypeError(column, f"type {arrow_type} has no Hive/Glue equivalent")


def _is_string_view(arrow_type: Any) -> bool:
    import pyarrow.types as t

    check = getattr(t, "is_string_view", None)
    return bool(check and check(arrow_type))


def columns_of(schema: Any) -> tuple[Column, ...]:
    """Hive columns of a pyarrow schema (names lower-cased, as Hive and Glue store them)."""
    columns: list[Column] = []
    seen: set[str] = set()
    for field in schema:
        name = field.name.lower()
        if name in seen:
            raise UnusableFileError(
                "incompatible",
                f"two columns named {name!r} (names differ only in case; "
                "the catalog lower-cases names)",
            )
        seen.add(name)
        columns.append(Column(name, hive_type(field.type, field.name)))
    return tuple(columns)


def looks_like_parquet(path: str, head: bytes) -> bool:
    """A file meant to be Parquet: the suffix says so or it starts with the magic."""
    return path.lower().endswith(PARQUET_SUFFIXES) or head == PARQUET_MAGIC


def read_file_schema(lake: LakeFS, path: str, size: int) -> FileSchema:
    """Read one file's footer; ``UnusableFileError`` (``not_parquet``/``corrupt``/…) if unusable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with lake.open_input(path) as handle:
            head = handle.read_at(4, 0) if size >= 4 else b""
            tail = handle.read_at(4, size - 4) if size >= 8 else b""
            if not looks_like_parquet(path, head):
                raise UnusableFileError(
                    "not_parquet", "not a Parquet file (no PAR1 magic, no .parquet suffix)"
                )
            if size < 12 or head != PARQUET_MAGIC or tail != PARQUET_MAGIC:
                raise UnusableFileError(
                    "corrupt",
                    f"corrupt Parquet file ({size} bytes; the PAR1 header or footer magic "
                    "is missing - a truncated or partly written file?)",
                )
            parquet = pq.ParquetFile(handle, coerce_int96_timestamp_unit="us")
            return FileSchema(columns_of(parquet.schema_arrow), parquet.metadata.num_rows)
    except UnusableFileError:
        raise
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UnusableFileError("corrupt", f"corrupt Parquet file: {exc}") from exc


def merge(base: Sequence[Column], new: Iterable[Column], *, source: str = "") -> Merge:
    """Union of ``base`` and ``new`` in first-seen order; a type clash is a conflict."""
    by_name = {c.name: c for c in base}
    columns = list(base)
    added: list[Column] = []
    conflicts: list[str] = []
    for column in new:
        known = by_name.get(column.name)
        if known is None:
            by_name[column.name] = column
            columns.append(column)
            added.append(column)
        elif known.type != column.type:
            where = f" in {source}" if source else ""
            conflicts.append(f"column {column.name!r} is {known.type}, but {column.type}{where}")
    return Merge(tuple(columns), tuple(added), tuple(conflicts))
