"""Read one vehicle's day back: a report table's rows, or its raw fixes (pyarrow, no Spark).

A report is a small table read: the day's one file, filtered on ``vehicle_id``. The raw
fixes (for exports and maps) are the day's ``dt=`` folder of the source table.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from vts.reports.exceptions import NoLakeDataError
from vts.reports.tables import ReportTable, file_name
from vts.rules.track import Track


def report_rows(
    lake: Path, table: ReportTable, vehicle: str | None, day: date
) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    path = lake / table.name / f"dt={day}" / file_name(table.name, day.isoformat())
    if not path.exists():
        raise NoLakeDataError(
            f"no {table.name} for {day} under {lake}",
            hint=f"build it first: vts reports build --day {day}",
        )
    filters = [("vehicle_id", "=", vehicle)] if vehicle else None
    return pq.read_table(path, filters=filters).to_pylist()


def vehicle_track(lake: Path, vehicle: str, day: date, source: str = "vehicle_data") -> Track:
    """The vehicle's fixes of ``day`` from the lake (unfiltered; run ``filter_fixes``)."""
    import pyarrow.dataset as ds

    folder = lake / source / f"dt={day}"
    if not folder.is_dir():
        raise NoLakeDataError(
            f"no {source} for {day} under {lake}",
            hint="pass --lake where the lake is, or a day the lake holds (ls <lake>/"
            + source
            + ")",
        )
    dataset = ds.dataset(folder, format="parquet", partitioning="hive")
    table = dataset.to_table(filter=ds.field("vehicle_id") == vehicle)
    if table.num_rows == 0:
        raise NoLakeDataError(
            f"vehicle {vehicle} has no {source} fixes on {day}",
            hint=f"pick one of its vehicles: vts report summary --day {day}",
        )
    return Track.from_frame(table.to_pandas())
