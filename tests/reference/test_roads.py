"""The roads table: written and read back as its schema says; bad rows refused by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from vts.reference.exceptions import RoadTableError
from vts.reference.roads import ROAD_COLUMNS, read_roads, write_roads


def _row(road_id: str = "R-0001", **changes: Any) -> dict[str, Any]:
    row = {
        "road_id": road_id,
        "road_name": "Avenue 1",
        "road_class": "arterial",
        "speed_limit_kmh": 60.0,
        "length_m": 450.0,
        "start_lat": 51.5,
        "start_lon": -0.12,
        "end_lat": 51.5,
        "end_lon": -0.1135,
        "min_lat": 51.5,
        "min_lon": -0.12,
        "max_lat": 51.5,
        "max_lon": -0.1135,
    }
    return {**row, **changes}


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_rows_come_back_as_written(tmp_path: Path, suffix: str) -> None:
    rows = [_row("R-0001"), _row("R-0002", road_class="school_zone", speed_limit_kmh=20.0)]
    path = write_roads(rows, tmp_path / "roads" / f"roads{suffix}")
    assert read_roads(path) == rows
    if suffix == ".parquet":
        assert pq.read_table(path).column_names == list(ROAD_COLUMNS)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{k: v for k, v in _row().items() if k != "speed_limit_kmh"}], "row 0 has no speed"),
        ([_row(), _row("R-0002", road_class="motorway")], "row 1 has road_class 'motorway'"),
        ([_row(), _row()], "row 1 repeats road_id 'R-0001'"),
        ([_row(speed_limit_kmh=0.0)], "row 0 has a missing limit"),
        ([_row(end_lat=95.0)], "row 0 has its end off the globe"),
        ([_row(length_m="long")], "row 0 has a non-numeric value"),
    ],
)
def test_a_bad_row_is_refused_by_number(
    tmp_path: Path, rows: list[dict[str, Any]], problem: str
) -> None:
    with pytest.raises(RoadTableError, match=problem) as caught:
        write_roads(rows, tmp_path / "roads.parquet")
    assert "write_roads" in str(caught.value)  # the hint says what to do
    assert not (tmp_path / "roads.parquet").exists()
