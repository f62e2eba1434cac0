"""Small lakes written with pyarrow for the crawler tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vts.query.runner import run_sql

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def write(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def vehicles(n: int, first: int = 0, **extra: pa.Array) -> pa.Table:
    """``n`` rows: vehicle_id, seq (int32), speed_kmh, ts (µs UTC), plus ``extra`` columns."""
    seq = list(range(first, first + n))
    columns: dict[str, Any] = {
        "vehicle_id": pa.array([f"VEH-{i % 3}" for i in seq]),
        "seq": pa.array(seq, pa.int32()),
        "speed_kmh": pa.array([10.0 + i / 4 for i in seq]),
        "ts": pa.array([T0 + timedelta(minutes=i) for i in seq], pa.timestamp("us", tz="UTC")),
    }
    columns.update(extra)
    return pa.table(columns)


def partition(lake: Path, table: str, dt: str, hr: str, name: str = "part-0.parquet") -> Path:
    return lake / table / f"dt={dt}" / f"hr={hr}" / name


def truncated_parquet(path: Path) -> Path:
    """A real Parquet file cut in half (a partly written file)."""
    write(path, vehicles(50))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def rows(spark: Any, database: str, sql: str) -> list[dict[str, Any]]:
    """Rows of a Spark SQL query run with ``database`` current (timestamps aware UTC)."""
    return list(run_sql(spark, sql, database=database).rows)
