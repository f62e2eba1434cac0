"""Spark ``StructType`` schemas generated from the contract (pyspark imported lazily)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vts.contract.events import EventType
from vts.exceptions import NotInstalledError

if TYPE_CHECKING:
    from pyspark.sql.types import DataType, StructType


def _types() -> dict[str, DataType]:
    try:
        from pyspark.sql import types as T
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise NotInstalledError("pyspark", extra="spark") from exc
    return {
        "string": T.StringType(),
        "double": T.DoubleType(),
        "int": T.IntegerType(),
        "timestamp": T.TimestampType(),
    }


def spark_schema(et: EventType, *, ts_as_string: bool = False) -> StructType:
    """The table schema of ``et``; every column nullable (validation enforces ``required``).

    With ``ts_as_string`` the event time stays a string, for parsing JSON whose time-zone
    handling the job does itself.
    """
    from pyspark.sql.types import StringType, StructField, StructType

    types = _types()
    return StructType(
        [
            StructField(
                f.name,
                StringType() if (ts_as_string and f.type == "timestamp") else types[f.type],
                nullable=True,
            )
            for f in et.fields
        ]
    )
