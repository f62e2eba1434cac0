"""The live map in headless Chromium, as a person sees it: vehicles appear and move, a click
shows a vehicle's details and trail, incidents are marked, the freshness indicator counts,
alerts are listed and the open ones marked (a click on one goes to it), a reset of the
change feed is survived, an API that does not answer is shown and recovered from, and the
console shows no errors (``page`` fixture).

The API behind the page is ``tests/live/fake_api.py`` (the contract's routes over an
in-memory fleet that the test moves), served by the real ``vts live serve`` server.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from botocore.credentials import Credentials

from simulator.outputs.reference import road_table
from tests.live.fake_api import FakeLiveApi, iso
from tests.live.upstream import SigningUpstream
from vts.live.forward import Backend, LocalBackend, Reply, SignedForwarder, json_reply
from vts.live.roads import roads_geojson
from vts.live.serve import LiveServer, Site
from vts.reports.maps import SPEED_BANDS
from vts.rules.episode import Episode

pytestmark = pytest.mark.integration

ROADS = road_table("city")
VEHICLES = 60
TRAIL_COLOUR = "#7b2cbf"  # live.js's


@pytest.fixture
def fleet() -> FakeLiveApi:
    return FakeLiveApi(ROADS, VEHICLES, time.time() - 30)  # last heard from 30 s ago


@pytest.fixture
def serve(leaflet: Any) -> Iterator[Callable[[Backend], str]]:
    servers: list[LiveServer] = []

    def start(backend: Backend) -> str:
        servers.append(LiveServer(Site(backend, roads_geojson(ROADS), leaflet)).start())
        return servers[-1].url

    yield start
    for server in servers:
        server.stop()


def open_map(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("window.vtsLive && window.vtsLive.stats.updates >= 2", timeout=20_000)


def next_updates(page: Any, n: int = 2) -> None:
    """Wait until the page has applied ``n`` more /changes answers."""
    seen = page.evaluate("vtsLive.stats.updates")
    page.wait_for_function(f"vtsLive.stats.updates >= {seen + n}", timeout=20_000)


def shot(page: Any) -> np.ndarray:
    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(page.screenshot()), format="png")[..., :3] * 255.0
    return image[60:730]  # the map between the status bar and the legend


def near(image: np.ndarray, hex_colour: str, tolerance: float = 10.0) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    return np.abs(image - rgb).max(axis=-1) <= tolerance


def vehicle_pixels(image: np.ndarray) -> np.ndarray:
    return np.logical_or.reduce([near(image, colour) for _, colour in SPEED_BANDS])


def test_vehicles_appear_and_move_between_two_screenshots(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    open_map(page, serve(LocalBackend(fleet.handle)))
    assert page.inner_text("#vehicle-count") == f"{VEHICLES} vehicles"
    before = vehicle_pixels(shot(page))
    fleet.step(time.time())
    next_updates(page)
    after = vehicle_pixels(shot(page))
    assert before.sum() > VEHICLES * 10  # each vehicle is a disc of ~30 px
    assert after.sum() > VEHICLES * 10
    # most discs moved: the pixels that changed are most of them
    assert (before ^ after).sum() > before.sum()
    assert page.evaluate("vtsLive.stats.errors") == 0


def test_a_click_shows_the_vehicles_details_and_its_trail(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    fleet.along[7] = 0.0  # drives 90% of its segment in three steps, without wrapping
    for _ in range(3):
        fleet.step(time.time(), fraction=0.3)
    open_map(page, serve(LocalBackend(fleet.handle)))
    assert page.is_hidden("#details")
    vehicle = fleet.vehicle(7)
    point = page.evaluate(
        f"vtsLive.map.latLngToContainerPoint([{vehicle['latitude']}, {vehicle['longitude']}])"
    )
    assert not near(shot(page), TRAIL_COLOUR).any()
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#details:not([hidden])")
    assert page.inner_text("#details-title") == "VEH-000007"
    fields = page.inner_text("#details-fields")
    assert f"speed_kmh\t{vehicle['speed_kmh']}" in fields
    assert "make\tVolvo" in fields
    assert page.inner_text("#details-trail").startswith("trail: 4 positions since")
    assert near(shot(page), TRAIL_COLOUR).sum() > 20  # the trail is drawn
    page.click("#details-close")
    assert page.is_hidden("#details")
    assert not near(shot(page), TRAIL_COLOUR).any()


def incident(n: int, status: str) -> dict[str, Any]:
    road = ROADS[40 * n]
    return {
        "incident_id": f"INC-{n}",
        "incident_type": "Accident" if n % 2 else "Fire",
        "severity": "High",
        "status": status,
        "latitude": road["start_lat"],
        "longitude": road["start_lon"],
        "description": "test",
        "vehicle_id": None,
        "ts": iso(time.time()),
    }


def test_active_incidents_are_marked_and_a_resolved_one_goes(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    for n, status in ((1, "Active"), (2, "Active"), (3, "Resolved")):
        fleet.set_incident(incident(n, status))
    open_map(page, serve(LocalBackend(fleet.handle)))
    marks = page.locator(".leaflet-marker-icon.incident")
    assert marks.count() == 2
    assert sorted(marks.nth(i).get_attribute("title") for i in range(2)) == [
        "Accident (High, Active)",
        "Fire (High, Active)",
    ]
    assert page.inner_text("#incident-count") == "2 incidents"
    box = marks.first.bounding_box()
    assert box is not None and 0 < box["x"] < 1000 and 0 < box["y"] < 800  # on the map
    fleet.set_incident(incident(1, "Resolved"))  # arrives through /changes
    page.wait_for_function("document.querySelectorAll('.incident').length === 1")
    assert page.inner_text("#incident-count") == "1 incident"
    assert marks.first.get_attribute("title") == "Fire (High, Active)"


def test_the_freshness_indicator_shows_how_old_the_newest_position_is(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    open_map(page, serve(LocalBackend(fleet.handle)))
    freshness = page.locator("#freshness")
    assert freshness.get_attribute("class") == "stale"
    assert 29 <= float(freshness.get_attribute("data-age-s") or "nan") < 45
    assert freshness.inner_text().endswith(" s old")
    fleet.step(time.time())
    page.wait_for_function("document.getElementById('freshness').className === 'fresh'")
    assert float(freshness.get_attribute("data-age-s") or "nan") < 2
    # no new positions: the same data grows older on screen
    page.wait_for_function("document.getElementById('freshness').className === 'late'")
    assert 2 <= float(freshness.get_attribute("data-age-s") or "nan") < 10


def test_removed_vehicles_go_and_a_reset_of_the_change_feed_reloads_the_fleet(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    open_map(page, serve(LocalBackend(fleet.handle)))
    fleet.remove("VEH-000001")
    page.wait_for_function(f"vtsLive.stats.vehicles === {VEHICLES - 1}")
    fleet.remove("VEH-000002")
    fleet.forget()  # the page's cursor is now older than the feed keeps
    page.wait_for_function("vtsLive.stats.resets === 1")
    assert page.evaluate("vtsLive.stats.vehicles") == VEHICLES - 2
    assert page.evaluate("vtsLive.fleet.slot.has('VEH-000002')") is False
    next_updates(page, 1)
    assert page.evaluate("vtsLive.stats.resets") == 1  # the new cursor is good again


def test_the_map_against_a_deployed_api_signs_every_request(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str], monkeypatch: Any
) -> None:
    credentials = Credentials("AKIDLIVEMAPTEST", "not-a-secret")  # no account's
    for name, value in (
        ("AWS_ACCESS_KEY_ID", credentials.access_key),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_key),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    upstream = SigningUpstream(credentials, "eu-west-1", fleet.handle)
    try:
        open_map(page, serve(SignedForwarder(upstream.url, region="eu-west-1")))
        stepped = time.time()
        fleet.step(stepped)
        next_updates(page)
        assert page.inner_text("#vehicle-count") == f"{VEHICLES} vehicles"
        # the step's positions came through the signed requests: the newest one shown is
        # theirs, not the fleet's before it (last heard from 30 s ago)
        shown_age = float(page.locator("#freshness").get_attribute("data-age-s") or "nan")
        assert shown_age <= time.time() - stepped + 1.0
    finally:
        upstream.shutdown()
        upstream.server_close()
    paths = [s["path"].split("?")[0] for s in upstream.seen]
    assert {"/vehicles", "/incidents", "/changes"} <= set(paths)
    assert {s["verdict"] for s in upstream.seen} == {"ok"}, json.dumps(upstream.seen)


class Outage:
    """A backend that answers 503 while ``down`` (as the API does when the store is down)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.down = True

    def get(self, path_and_query: str) -> Reply:
        if self.down:
            return json_reply(503, {"error": "the live store at redis://127.0.0.1:1 is down"})
        return self.backend.get(path_and_query)


def test_the_map_says_when_the_api_does_not_answer_and_recovers(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    api = Outage(LocalBackend(fleet.handle))
    page.goto(serve(api))
    freshness = page.locator("#freshness")
    page.wait_for_function("document.getElementById('freshness').textContent.includes('503')")
    assert freshness.inner_text().startswith("no answer from the API: Error: api/vehicles")
    assert "the live store at redis://127.0.0.1:1 is down" in freshness.inner_text()
    api.down = False  # it comes up: the map starts by itself
    page.wait_for_function("window.vtsLive.stats.updates >= 2", timeout=20_000)
    assert page.inner_text("#vehicle-count") == f"{VEHICLES} vehicles"
    api.down = True  # down for a while: the indicator says for how long
    said = (
        "/no answer from the API for \\d+ s/.test(document.getElementById('freshness').textContent)"
    )
    page.wait_for_function(said, timeout=20_000)
    assert freshness.get_attribute("class") == "stale"
    api.down = False
    fleet.step(time.time())
    page.wait_for_function("document.getElementById('freshness').className === 'fresh'")
    # the browser logs each 503 as a failed resource load; nothing else may be logged
    page.errors[:] = [e for e in page.errors if "status of 503" not in e]


def overspeed(vehicle: str, n: int, start: float, ended: bool) -> Episode:
    road = ROADS[40 * n + 7]
    return Episode(
        vehicle,
        "overspeed",
        start,
        start + 20,
        ended,
        road["start_lat"],
        road["start_lon"],
        92.5,
        50.0,
        road_id=str(road["road_id"]),
    )


def test_alerts_are_listed_and_the_open_ones_marked_and_a_click_goes_to_one(
    page: Any, fleet: FakeLiveApi, serve: Callable[[Backend], str]
) -> None:
    fleet.set_incident(incident(1, "Active"))
    t = time.time() - 120
    older = fleet.set_alert(overspeed("VEH-000003", 1, t, ended=True))  # ended before we look
    open_map(page, serve(LocalBackend(fleet.handle)))
    page.wait_for_function("vtsLive.stats.alertUpdates >= 1")
    items = page.locator("#alert-list li")
    assert items.count() == 1 and items.first.inner_text().endswith("ended")
    assert page.locator(".alert-mark").count() == 0
    raised = overspeed("VEH-000005", 2, t + 60, ended=False)
    alert_id = fleet.set_alert(raised)  # arrives through /alerts?after=
    page.wait_for_function("document.querySelectorAll('.alert-mark').length === 1")
    entry = page.locator(f"#alert-list li[data-alert-id='{alert_id}']")
    assert entry.inner_text().startswith("overspeed · VEH-000005 · ")
    assert entry.inner_text().endswith("ongoing")
    assert items.first.get_attribute("data-alert-id") == alert_id  # newest first
    assert page.inner_text("#alert-count") == "1 open alert"
    mark = page.locator(".alert-mark")
    assert "VEH-000005" in (mark.get_attribute("title") or "")
    assert page.locator(".incident").count() == 1  # its own kind of marker
    # where it is drawn: on the map, at the alert's position
    point = page.evaluate(
        f"vtsLive.map.latLngToContainerPoint([{raised.latitude}, {raised.longitude}])"
    )
    box = mark.bounding_box()
    assert box is not None
    assert abs(box["x"] + box["width"] / 2 - point["x"]) < 3
    assert abs(box["y"] + box["height"] / 2 - point["y"]) < 3

    entry.click()  # centres the map on it and selects its vehicle
    page.wait_for_selector("#details:not([hidden])")
    assert page.inner_text("#details-title") == "VEH-000005"
    centre = page.evaluate("vtsLive.map.getCenter()")
    assert abs(centre["lat"] - raised.latitude) < 1e-4
    assert abs(centre["lng"] - raised.longitude) < 1e-4
    assert page.evaluate("vtsLive.map.getZoom()") >= 15

    fleet.set_alert(replace(raised, end_ts=raised.start_ts + 40, ended=True))  # it ends
    page.wait_for_function("document.querySelectorAll('.alert-mark').length === 0")
    assert entry.inner_text().endswith("ended")
    assert page.locator(f"#alert-list li[data-alert-id='{older}']").count() == 1
    assert items.count() == 2  # the end updated the entry, it added none
    assert page.inner_text("#alert-count") == "0 open alerts"
    # an alert whose start had no position (null): listed and counted, not marked
    fleet.set_alert(replace(overspeed("VEH-000008", 3, t + 90, ended=False), latitude=math.nan))
    page.wait_for_function("document.querySelectorAll('#alert-list li').length === 3")
    assert page.inner_text("#alert-count") == "1 open alert"
    assert page.locator(".alert-mark").count() == 0
