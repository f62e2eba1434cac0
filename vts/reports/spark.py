"""The reports on Spark: a day's fixes from the lake, the kernels per vehicle, the tables.

``day_fixes`` reads ``<lake>/<source>/dt=…/hr=…/`` for the day and the lookback before
it (partition pruning on ``dt``/``hr``, then the exact window on ``ts``).
``report_rows`` groups by vehicle and runs ``vehicle.vehicle_reports`` on each with
``applyInPandas``; it returns one small frame of ``(table, row)`` pairs (the row as
JSON), so every table comes out of a single pass over the fixes. ``table_frame`` turns
that into one table's typed columns.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from vts.reports.exceptions import NoLakeDataError
from vts.reports.tables import ReportTable
from vts.reports.vehicle import Context, Row

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

FIX_COLUMNS = (
    "event_id",
    "vehicle_id",
    "ts",
    "latitude",
    "longitude",
    "speed_kmh",
    "heading_deg",
    "odometer_km",
    "fuel_level_pct",
    "hdop",
)
ROWS_SCHEMA = "table string, row string"
_SPARK_TYPES = {"string": "string", "double": "double", "long": "bigint", "boolean": "boolean"}


def _hours(start: datetime, end: datetime) -> list[tuple[str, str]]:
    """The ``(dt, hr)`` partitions that ``[start, end)`` touches."""
    out = []
    t = start.replace(minute=0, second=0, microsecond=0)
    while t < end:
        out.append((t.strftime("%Y-%m-%d"), t.strftime("%H")))
        t += timedelta(hours=1)
    return out


def day_fixes(
    spark: SparkSession,
    table_root: str,
    day: date,
    lookback_s: float,
    columns: tuple[str, ...] = FIX_COLUMNS,
) -> DataFrame:
    """The rows of ``[day - lookback, day + 1)`` from a ``dt=/hr=`` partitioned table (its
    ``columns`` that it has: by default a fix's)."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    start, end = midnight - timedelta(seconds=lookback_s), midnight + timedelta(days=1)
    try:
        frame = spark.read.option("basePath", table_root).parquet(table_root)
    except AnalysisException as exc:
        raise NoLakeDataError(
            f"no Parquet files under {table_root}",
            hint="run the job (or `make demo`) first, or pass --lake where the lake is",
        ) from exc
    hours = _hours(start, end)
    days = sorted({d for d, _ in hours})
    keys = [f"{d}/{h}" for d, h in hours]
    hr = F.lpad(F.col("hr").cast("string"), 2, "0")
    dt = F.date_format(F.col("dt").cast("date"), "yyyy-MM-dd")
    frame = frame.where(dt.isin(days)).where(F.concat_ws("/", dt, hr).isin(keys))
    frame = frame.where((F.col("ts") >= F.lit(start)) & (F.col("ts") < F.lit(end)))
    present = [c for c in columns if c in frame.columns]
    return frame.select(*present)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def _encode(table: str, rows: list[Row]) -> Iterator[tuple[str, str]]:
    for row in rows:
        yield table, json.dumps({k: _clean(v) for k, v in row.items()}, allow_nan=False)


def report_rows(fixes: DataFrame, ctx: Context) -> DataFrame:
    """Every report row of every vehicle, as ``(table, row-as-JSON)``."""

    def per_vehicle(frame: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from vts.reports.vehicle import vehicle_reports
        from vts.rules.track import Track

        pairs: list[tuple[str, str]] = []
        for table, rows in vehicle_reports(Track.from_frame(frame), ctx).items():
            pairs.extend(_encode(table, rows))
        return pd.DataFrame(pairs, columns=["table", "row"])

    with warnings.catch_warnings():
        # PySpark 3.5's pandas version check uses distutils' deprecated LooseVersion
        warnings.filterwarnings("ignore", "distutils Version classes", DeprecationWarning)
        return fixes.groupBy("vehicle_id").applyInPandas(per_vehicle, ROWS_SCHEMA)


def table_frame(rows: DataFrame, table: ReportTable) -> DataFrame:
    """One table's rows, typed (timestamps travel as epoch seconds)."""
    from pyspark.sql import functions as F

    schema = ", ".join(
        f"{name} {'double' if kind == 'timestamp' else _SPARK_TYPES[kind]}"
        for name, kind in table.columns
    )
    parsed = rows.where(F.col("table") == table.name).select(F.from_json("row", schema).alias("r"))
    cols = []
    for name, kind in table.columns:
        c = F.col(f"r.{name}")
        cols.append((F.timestamp_seconds(c) if kind == "timestamp" else c).alias(name))
    return parsed.select(*cols)
