"""The geofences table and GeoJSON: the same fences either way; bad input refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vts.reference.exceptions import GeofenceFileError, ReferenceDataError
from vts.reference.geofences import (
    GEOFENCES,
    read_geofences,
    to_geojson,
    to_rows,
    write_geofences,
)

# a square with a square hole, and a two-part depot
SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
HOLE = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6], [0.4, 0.6], [0.4, 0.4]]
FAR = [[[x + 5.0, y] for x, y in SQUARE]]


def _doc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(fid: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"id": fid, **props}, "geometry": geometry}


DOC = _doc(
    _feature(
        "zone",
        {"type": "Polygon", "coordinates": [SQUARE, HOLE]},
        name="Zone",
        kind="low_emission_zone",
    ),
    _feature(
        "depot",
        {"type": "MultiPolygon", "coordinates": [[SQUARE], FAR]},
        name="Depot",
        kind="depot",
        dwell_s=30,
    ),
)
LAT = np.array([0.5, 0.2, 0.2, 2.0])
LON = np.array([0.5, 0.2, 5.2, 2.0])


@pytest.mark.parametrize("suffix", [".parquet", ".geojson"])
def test_a_table_or_file_holds_the_same_fences(tmp_path: Path, suffix: str) -> None:
    fences = read_geofences(write_geofences(DOC, tmp_path / f"geofences{suffix}"))
    assert [(f.id, f.name, f.kind, f.dwell_s) for f in fences] == [
        ("zone", "Zone", "low_emission_zone", None),
        ("depot", "Depot", "depot", 30.0),
    ]
    zone, depot = fences
    assert zone.contains(LAT, LON).tolist() == [False, True, False, False]  # the hole is out
    assert depot.contains(LAT, LON).tolist() == [True, True, True, False]


def test_rows_turn_back_into_the_geojson_they_came_from() -> None:
    rows = to_rows(DOC)
    assert list(rows[0]) == list(GEOFENCES.column_names)
    again = to_geojson(rows)
    assert [f["geometry"] for f in again["features"]] == [f["geometry"] for f in DOC["features"]]
    assert again["features"][1]["properties"]["dwell_s"] == 30


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"type": "Feature"}, "is not a GeoJSON FeatureCollection"),
        (_doc(_feature("p", {"type": "Point", "coordinates": [0, 0]})), "feature 0 is a 'Point'"),
        (_doc(_feature("p", {"type": "Polygon", "coordinates": [[0, 0]]})), "malformed"),
        (_doc(DOC["features"][0], DOC["features"][0]), "repeats the id zone"),
    ],
)
def test_bad_geofences_are_refused_saying_why(
    tmp_path: Path, doc: dict[str, Any], problem: str
) -> None:
    with pytest.raises(GeofenceFileError, match=problem):
        write_geofences(doc, tmp_path / "geofences.parquet")
    assert not (tmp_path / "geofences.parquet").exists()


def test_a_file_that_is_not_json_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(GeofenceFileError, match="zones.geojson cannot be read as JSON"):
        read_geofences(path)


def test_an_unknown_file_kind_is_refused_naming_the_kinds(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="zones.txt") as caught:
        write_geofences(DOC, tmp_path / "zones.txt")
    assert "*.geojson" in str(caught.value) and not (tmp_path / "zones.txt").exists()
