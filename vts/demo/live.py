"""The demo's live path: the live consumer over the demo's topics, the map, a screenshot.

``run_demo`` (``vts.demo``) starts the live store beside Kafka (as ``vts local up``
does), then, once the lake is built, calls ``consume`` (``vts live run --available-now``:
the Lambda's handler fed as the MSK event source mapping feeds it) and ``show_map`` (the
``vts live serve`` server in this process, the page in headless Chromium until it draws
every vehicle in the store, a screenshot into the demo's folder).

The demo's span may be hours in the past (the fleet's busy hours), so its store never
expires a vehicle or an incident by event time (``silence_s=0``, ``incident_ttl_s=0``):
on a live fleet those states would be stale, here they are the point.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from vts.live.settings import LiveSettings

SCREENSHOT = "live-map.png"
SAMPLE = 10  # vehicles whose served state the summary keeps (the e2e test checks them)
PAGE_TIMEOUT_MS = 60_000

Say = Callable[[str], None]


def demo_settings(url: str) -> LiveSettings:
    """The demo store's settings: nothing expires by event time (the span may be past)."""
    return LiveSettings(url=url, silence_s=0, incident_ttl_s=0)


def consume(settings: LiveSettings, bootstrap: str, say: Say) -> dict[str, Any]:
    """Apply everything in the topics to the store, as ``vts live run --available-now``."""
    from vts.live.consumer import LiveConsumer
    from vts.live.runner import EventSourceEmulator, RunOptions
    from vts.live.store import LiveStore

    with LiveStore.connect(settings) as store:
        consumer = LiveConsumer(store)
        try:
            options = RunOptions(bootstrap=bootstrap, available_now=True, group="vts-live-demo")
            totals = EventSourceEmulator(consumer, options).run()
        finally:
            consumer.close()
        vehicles = store.health()["vehicles"]
    say(
        f"    {totals.records:,} records in {totals.batches} batches ({totals.invalid} "
        f"invalid), {totals.written:,} states written: {vehicles} vehicles in the live store"
    )
    return {**totals.as_dict(), "vehicles": vehicles}


def show_map(settings: LiveSettings, lake: Path, scenario: str, folder: Path, say: Say) -> Any:
    """Serve the map over the store, print its URL, screenshot it once it shows the whole
    fleet; the served states of ``SAMPLE`` vehicles go into the result."""
    from vts.live import api
    from vts.live.forward import LocalBackend
    from vts.live.roads import read_lake_roads, roads_geojson
    from vts.live.serve import LiveServer, Site, leaflet_dir
    from vts.live.store import LiveStore

    leaflet = leaflet_dir()
    rows = read_lake_roads(lake)
    if rows is None:  # the reports step writes the roads table; without it, the scenario's
        from simulator.outputs.reference import road_table

        rows = road_table(scenario)
    with LiveStore.connect(settings) as store:
        backend = LocalBackend(functools.partial(api.handle, store=store))
        server = LiveServer(Site(backend, roads_geojson(rows, str(lake)), leaflet)).start()
        try:
            say(f"    live map: {server.url}")
            with urlopen(server.url + "api/vehicles", timeout=30) as answer:  # noqa: S310 (our own loopback server)
                served = json.loads(answer.read())["vehicles"]
            on_map = _screenshot(server.url, len(served), folder / SCREENSHOT)
        finally:
            server.stop()
    say(f"    the map showed {on_map} vehicles: {folder / SCREENSHOT}")
    sample = sorted(served, key=lambda v: v["vehicle_id"])[:SAMPLE]
    return {
        "url": server.url,
        "screenshot": str(folder / SCREENSHOT),
        "served": len(served),
        "on_map": on_map,
        "sample": sample,
    }


def _screenshot(url: str, vehicles: int, path: Path) -> int:
    """Open the page in headless Chromium, wait until it draws ``vehicles`` (its own
    ``vtsLive.stats.vehicles``), save a screenshot; the count it showed."""
    from playwright.sync_api import sync_playwright

    from vts.live.chromium import launch

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url)
            page.wait_for_function(
                f"window.vtsLive && vtsLive.stats.vehicles >= {max(1, vehicles)}",
                timeout=PAGE_TIMEOUT_MS,
            )
            page.wait_for_timeout(500)  # the canvas redraws after the count is set
            page.screenshot(path=str(path))
            shown: int = page.evaluate("vtsLive.stats.vehicles")
        finally:
            browser.close()
    return shown
