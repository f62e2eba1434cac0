"""docs/reports.md: its examples run as written, after the README's walkthrough built a
lake (``e2e``), and its parameter table states the code's defaults."""

from __future__ import annotations

import json
import re

import pytest

from tests.docs.conftest import REPORTS_MD, Walkthrough, vts_lines
from vts.rules.params import ReportParams

DAY = "2024-03-05"


@pytest.mark.e2e
def test_the_examples_run_as_written(walkthrough: Walkthrough) -> None:
    runs, cwd, lake = walkthrough.runs, walkthrough.cwd, walkthrough.home / "lake"
    lines = vts_lines(REPORTS_MD)
    assert len(lines) >= 10 and all(line in runs for line in lines)  # each exited 0
    print({line: round(walkthrough.seconds[line], 1) for line in lines})

    built = {p.name for p in (lake / "report_daily_summary").iterdir()}
    assert {f"dt=2024-03-0{d}" for d in range(1, 8)} <= built  # the range, each day a file
    zones = json.loads((cwd / "zones.geojson").read_text())
    assert zones["type"] == "FeatureCollection" and zones["features"]
    assert "min_duration_s" in runs["vts reports params"].stdout
    csv = runs[f"vts report summary --day {DAY} --format csv"].stdout.splitlines()
    assert csv[0].startswith("vehicle_id,") and len(csv) == 1 + 100
    assert "<trkpt" in (cwd / "veh1.gpx").read_text()
    assert "rows, " in runs[f"vts query sql/reports/fleet_day.sql --param day={DAY}"].stdout


def test_the_parameter_table_states_the_defaults() -> None:
    defaults = ReportParams().as_dict()
    rows = re.findall(r"^\| `([^|]+)` \| ([^|]+) \|", REPORTS_MD.read_text(), flags=re.M)
    assert len(rows) >= 9
    for names, values in rows:
        keys = [n.strip(" `") for n in names.split(",")]
        for key, value in zip(keys, values.split(","), strict=True):
            assert key in defaults, key
            assert float(value) == pytest.approx(defaults[key], abs=1e-4), key
