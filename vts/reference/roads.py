"""The ``roads`` reference table: road segments and their speed limits.

One row per segment, a straight line between two junctions. Which segment a fix is on is
one rule, ``vts.reference.roadmatch`` (the reports, the live alerts, and
``sql/analytics/speeding_events.sql``, whose SQL it generates), and speeding is its speed
against that segment's ``speed_limit_kmh``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vts.reference.exceptions import ReferenceDataError, RoadTableError
from vts.reference.schema import ROAD_CLASSES, ROADS

ROAD_COLUMNS = ROADS.column_names
__all__ = [
    "ROAD_CLASSES",
    "ROADS",
    "ROAD_COLUMNS",
    "check_roads",
    "read_roads",
    "roads_from_csv",
    "write_roads",
]


def check_roads(rows: Sequence[Mapping[str, Any]], source: str = "rows") -> None:
    """Raise ``RoadTableError`` unless every row has the columns, with values in range."""
    seen: set[str] = set()
    for n, row in enumerate(rows):
        missing = [c for c in ROAD_COLUMNS if c not in row]
        if missing:
            raise RoadTableError(source, f"row {n} has no {', '.join(missing)}")
        if str(row["road_id"]) in seen:
            raise RoadTableError(source, f"row {n} repeats road_id {row['road_id']!r}")
        seen.add(str(row["road_id"]))
        if row["road_class"] not in ROAD_CLASSES:
            raise RoadTableError(source, f"row {n} has road_class {row['road_class']!r}")
        try:
            numbers = {c.name: float(row[c.name]) for c in ROADS.columns if c.type == "double"}
        except (TypeError, ValueError):
            raise RoadTableError(source, f"row {n} has a non-numeric value") from None
        if not all(math.isfinite(v) for v in numbers.values()) or numbers["speed_limit_kmh"] <= 0:
            raise RoadTableError(source, f"row {n} has a missing limit or coordinate")
        for end in ("start", "end"):
            if abs(numbers[f"{end}_lat"]) > 90 or abs(numbers[f"{end}_lon"]) > 180:
                raise RoadTableError(source, f"row {n} has its {end} off the globe")


def write_roads(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write road rows to ``path``: ``.parquet`` (needs pyarrow) or ``.csv``."""
    target = Path(path)
    check_roads(rows, str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".parquet":
        _write_parquet(rows, target)
    elif target.suffix == ".csv":
        _write_csv(rows, target)
    else:
        raise ReferenceDataError(
            f"cannot write a roads table as {target.name}",
            hint="name the file *.parquet (the lake's table) or *.csv",
        )
    return target


def read_roads(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a roads file (``.parquet`` or ``.csv``), checked."""
    source = Path(path)
    if source.suffix == ".csv":
        return roads_from_csv(source.read_text(encoding="utf-8"), str(source))
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(source).to_pylist()
    check_roads(rows, str(source))
    return rows


def roads_from_csv(text: str, source: str = "csv") -> list[dict[str, Any]]:
    """The rows of a roads table's CSV form (as ``write_roads`` writes it), checked."""
    rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(text, newline="")))
    for n, row in enumerate(rows):
        for c in ROADS.columns:
            if c.type == "double" and c.name in row:
                try:
                    row[c.name] = float(row[c.name])
                except (TypeError, ValueError):
                    raise RoadTableError(source, f"row {n} has a non-numeric {c.name}") from None
    check_roads(rows, source)
    return rows


def _write_csv(rows: Iterable[Mapping[str, Any]], target: Path) -> None:
    with target.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ROAD_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _write_parquet(rows: Sequence[Mapping[str, Any]], target: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from vts.exceptions import NotInstalledError

        raise NotInstalledError("pyarrow", extra="spark") from None
    schema = ROADS.arrow_schema()
    table = pa.Table.from_pylist([dict(r) for r in rows], schema=schema)
    pq.write_table(table, target)
