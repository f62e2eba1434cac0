"""The live map over the real live path: the simulator's events, through the live consumer
(the MSK event shape), into a real redis-server, out through ``vts.live.api``, on the page
in headless Chromium. Vehicles appear and move between two screenshots while the simulator
produces, and a click shows a vehicle's details and trail from the store.
"""

from __future__ import annotations

import functools
import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from simulator import generate, road_table
from vts.live import api
from vts.live.consumer import LiveConsumer
from vts.live.esm import build_event, record_json
from vts.live.forward import LocalBackend
from vts.live.roads import roads_geojson
from vts.live.serve import LiveServer, Site
from vts.reports.maps import SPEED_BANDS

pytestmark = pytest.mark.integration

VEHICLES = 40
NOON = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)  # a busy hour: most of the fleet drives


def produce(consumer: LiveConsumer, start: datetime, seconds: float) -> None:
    """The simulator's window, as one MSK event (one partition per topic), to the consumer."""
    records = []
    now_ms = int(time.time() * 1000)
    for topic, batch in generate("city", 7, start, seconds, vehicles=VEHICLES).items():
        for offset, line in enumerate(batch.to_json_lines()):
            records.append(record_json(topic, 0, offset, now_ms, None, line))
    report = consumer.handle(build_event(records))
    assert report.invalid == 0, report.as_dict()


@pytest.fixture
def live_map(live_store: Any, leaflet: Any) -> Iterator[tuple[str, LiveConsumer]]:
    store = live_store(silence_s=0)  # the events are from 2024: never expire them
    consumer = LiveConsumer(store)
    backend = LocalBackend(functools.partial(api.handle, store=store))
    server = LiveServer(Site(backend, roads_geojson(road_table("city")), leaflet)).start()
    yield server.url, consumer
    server.stop()


def vehicle_pixels(page: Any) -> np.ndarray:
    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(page.screenshot()), format="png")[60:730, :, :3] * 255.0
    masks = []
    for _, colour in SPEED_BANDS:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
        masks.append(np.abs(image - rgb).max(axis=-1) <= 10)
    return np.logical_or.reduce(masks)


def wait_for(page: Any, condition: str) -> None:
    page.wait_for_function(condition, timeout=20_000)


def test_the_simulated_fleet_appears_and_moves_and_a_click_shows_its_trail(
    page: Any, live_map: tuple[str, LiveConsumer]
) -> None:
    url, consumer = live_map
    for k in range(3):
        produce(consumer, NOON + timedelta(seconds=5 * k), 5)
    page.goto(url)
    wait_for(page, f"window.vtsLive && vtsLive.stats.vehicles === {VEHICLES}")
    assert page.inner_text("#vehicle-count") == f"{VEHICLES} vehicles"
    assert page.inner_text("#freshness").endswith(" days old")  # 2024's noon, on the server's clock
    before = vehicle_pixels(page)
    updates = page.evaluate("vtsLive.stats.updates")
    for k in range(3, 9):  # 30 more seconds of driving
        produce(consumer, NOON + timedelta(seconds=5 * k), 5)
    wait_for(page, f"vtsLive.stats.updates >= {updates + 2}")
    after = vehicle_pixels(page)
    assert before.sum() > VEHICLES * 10
    assert (before ^ after).sum() > 0.3 * before.sum()  # the drivers moved; parked ones not

    snapshot = page.evaluate("fetch('api/vehicles').then((r) => r.json())")
    moving = max(snapshot["vehicles"], key=lambda v: v["speed_kmh"])
    assert moving["speed_kmh"] > 5
    point = page.evaluate(
        f"vtsLive.map.latLngToContainerPoint([{moving['latitude']}, {moving['longitude']}])"
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#details:not([hidden])")
    title = page.inner_text("#details-title")  # the fastest, or one drawn over it
    detail = page.evaluate(f"fetch('api/vehicles/{title}').then((r) => r.json())")
    assert f"speed_kmh\t{detail['vehicle']['speed_kmh']}" in page.inner_text("#details-fields")
    assert f"make\t{detail['vehicle']['make']}" in page.inner_text("#details-fields")
    trail = len(detail["trail"])
    assert trail >= 2  # one position per batch it moved in
    assert page.inner_text("#details-trail").startswith(f"trail: {trail} positions since")
