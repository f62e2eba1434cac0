"""The maps: the PNG (matplotlib) and the HTML page opened in headless Chromium.

Both are checked by what a reader sees: pixels of the track's speed colours, the stops'
ring colour, and (HTML) that the page draws with no network and no script.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from simulator.outputs.reference import road_table, scenario_geofences
from tests.reports.tracks import TrackBuilder, epoch
from vts.reference.geofences import from_geojson
from vts.reports.dayview import DayView
from vts.reports.filter import filter_fixes
from vts.reports.maps import STOP_COLOUR, speed_colour, to_html, write_html, write_png
from vts.reports.tables import ALERTS, STOPS
from vts.reports.vehicle import Context, Window, vehicle_reports
from vts.rules.params import DEFAULT_PARAMS as P

DAY = epoch("2024-03-05T00:00:00")


@pytest.fixture(scope="module")
def view() -> DayView:
    b = TrackBuilder(DAY + 8 * 3600).park(600).drive(300, 36).park(400).drive(240, 62).park(600)
    tr = b.track()
    fences = from_geojson(scenario_geofences("city"))
    ctx = Context(Window(DAY, DAY + 86400, DAY + 86400), P, None, fences)
    rows = vehicle_reports(tr, ctx)
    kept = filter_fixes(tr, P, DAY + 86400).track
    return DayView(
        "V-TEST",
        date(2024, 3, 5),
        kept,
        rows[STOPS.name],
        rows[ALERTS.name],
        road_table("city"),
        fences,
    )


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _pixels(image: np.ndarray, hex_colour: str, tolerance: float = 12.0) -> int:
    rgb = image[..., :3].astype(float)
    if rgb.max() <= 1.0:
        rgb = rgb * 255.0
    return int((np.abs(rgb - _rgb(hex_colour)).max(axis=-1) <= tolerance).sum())


def test_the_png_draws_the_track_in_its_speed_colours_and_the_stops(
    view: DayView, tmp_path: Path
) -> None:
    import matplotlib.image as mpimg

    path = write_png(view, tmp_path / "map.png")
    image = mpimg.imread(path)
    assert image.shape[:2] == (1000, 1000)
    assert len(view.stops) == 3
    assert _pixels(image, speed_colour(36)) > 300  # the 3 km at 36 km/h
    assert _pixels(image, speed_colour(62)) > 300  # the 4 km at 62 km/h
    assert _pixels(image, STOP_COLOUR) > 50
    # it never drove 70+: that colour is only the legend's swatch (~100 px), not a track
    assert _pixels(image, speed_colour(90)) < 200


def test_the_html_is_self_contained(view: DayView) -> None:
    html = to_html(view)
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert html.count("<circle") == len(view.stops)


@pytest.mark.integration
def test_the_html_map_opens_in_headless_chromium_and_shows_the_track(
    view: DayView, tmp_path: Path
) -> None:
    import matplotlib.image as mpimg

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run `make chromium`", pytrace=False)
    page = write_html(view, tmp_path / "map.html")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1000,1060",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = mpimg.imread(shot)
    assert image.shape[1] == 1000
    assert _pixels(image, speed_colour(36)) > 300
    assert _pixels(image, speed_colour(62)) > 300
    assert _pixels(image, STOP_COLOUR) > 50
