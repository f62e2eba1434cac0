"""``vts reports``, ``vts report``, ``vts export`` and ``vts map`` from the command line
(no Spark: the exports and maps compute a day that was not built with the same kernels;
``tests/reports/test_build.py`` reads built tables back through ``vts report``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - parses the file this test just wrote
from datetime import UTC, datetime
from pathlib import Path

import pytest

from simulator.outputs.lake import LakeSpec, write_lake
from vts.cli.main import main

DAY = "2024-03-05"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-lake")
    write_lake(
        root,
        LakeSpec("city", 3, datetime(2024, 3, 5, 7, tzinfo=UTC), 3 * 3600, 3, 10),
        ("vehicle_data",),
    )
    return root


def test_export_gpx_holds_the_days_track_and_its_stops(lake: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.gpx"
    args = ["export", "gpx", "--vehicle", "VEH-000001", "--day", DAY, "--lake", str(lake)]
    assert main([*args, "-o", str(out)]) == 0
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    root = ET.parse(out).getroot()  # noqa: S314 - our own output
    points = root.findall(".//g:trkpt", ns)
    assert len(points) == 3 * 360  # one fix per 10 s for 3 h, none filtered
    assert all(p.find("g:time", ns) is not None for p in points)
    stops = [w for w in root.findall("g:wpt", ns) if w.findtext("g:type", namespaces=ns) == "stop"]
    assert stops


def test_export_geojson_to_stdout(lake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "geojson", "--vehicle", "VEH-000002", "--day", DAY, "--lake", str(lake)])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    (track,) = [f for f in doc["features"] if f["properties"]["kind"] == "track"]
    assert len(track["geometry"]["coordinates"]) == 3 * 360


def test_map_writes_png_and_html(lake: Path, tmp_path: Path) -> None:
    png, html = tmp_path / "m.png", tmp_path / "m.html"
    args = ["map", "--vehicle", "VEH-000000", "--day", DAY, "--lake", str(lake)]
    assert main([*args, "--png", str(png), "--html", str(html)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in html.read_text()


def test_a_report_that_was_not_built_says_how_to_build_it(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "trips", "--vehicle", "VEH-000001", "--day", DAY, "--lake", str(lake)])
    assert code == 1
    err = capsys.readouterr().err
    assert "no report_trips for 2024-03-05" in err and "vts reports build --day 2024-03-05" in err


def test_an_unknown_vehicle_and_a_bad_day_are_clear_errors(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "gpx", "--vehicle", "NOPE", "--day", DAY, "--lake", str(lake)]) == 1
    assert "vehicle NOPE has no vehicle_data fixes" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "trips", "--day", "March 5th"])
    assert "is not a day" in capsys.readouterr().err


def test_params_lists_every_parameter_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reports", "params", "--format", "json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["min_distance_m"]["default"] == 200.0
    assert rows["stop_gap_s"]["default"] == 3600.0
    assert all(r["description"] for r in rows.values())


def test_build_needs_a_day(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reports", "build"]) == 1
    assert "which day?" in capsys.readouterr().err
