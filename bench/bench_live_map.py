"""The live map in headless Chromium holding 10,000 vehicles that all move every second.

``vts live serve``'s server and page, with a backend that moves every vehicle along the
``city`` scenario's roads once a second, so each ``/changes`` answer carries all 10,000
states: the page's worst case. The states are shaped as the store's ``vehicle_data``
states (~330 bytes each) but made here, not read from redis, so the store's and the
API's work (benchmarked on their own) stays out of the page's figure. The page times each
update itself with ``performance.now()``: parsing the answer, updating the fleet and
redrawing its canvas (``vtsLive.stats.scriptMs``, and in ``stats.sizes`` the vehicles
each carried). Only the updates that carried the whole fleet are counted (a poll that
found nothing new yet is cheap and would flatter the figure): p50, p95 and max over 60 of
them after a warm-up, how many such updates a second the page applied, and the empty
ones' p50 apart. Target: p95 <= 100 ms. ``--quick``: 1,000 vehicles, 10 updates.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np

from bench.context import BenchContext

WARMUP = 3  # updates not counted: the first snapshot and Chromium's JIT warming up


class MovingFleet:
    """Every vehicle drives along a road segment; ``tick()`` moves them all and stamps them."""

    def __init__(self, roads: list[dict[str, Any]], vehicles: int) -> None:
        rng = np.random.default_rng(25)
        self.a_lat, self.a_lon, self.b_lat, self.b_lon = (
            np.array([r[k] for r in roads])
            for k in ("start_lat", "start_lon", "end_lat", "end_lon")
        )
        self.seg = rng.integers(0, len(roads), vehicles)
        self.along = rng.random(vehicles)
        self.speed = rng.uniform(0, 100, vehicles).round(1)
        self.ids = [f"VEH-{i:06d}" for i in range(vehicles)]
        self.cursor = 0
        self.changes = b""
        self._lock = threading.Lock()
        self.tick()

    def states(self, ts: str) -> list[dict[str, Any]]:
        t = self.along
        lat = self.a_lat[self.seg] + t * (self.b_lat[self.seg] - self.a_lat[self.seg])
        lon = self.a_lon[self.seg] + t * (self.b_lon[self.seg] - self.a_lon[self.seg])
        return [
            {
                "vehicle_id": vid,
                "event_id": f"00000000-0000-4000-8000-{i:012d}",
                "ts": ts,
                "latitude": round(float(lat[i]), 6),
                "longitude": round(float(lon[i]), 6),
                "speed_kmh": float(self.speed[i]),
                "heading_deg": 90.0,
                "odometer_km": 12345.6,
                "fuel_level_pct": 55.5,
                "make": "Volvo",
                "model": "FH",
                "year": 2021,
                "fuel_type": "Diesel",
                "vehicle_type": "truck",
                "topic": "vehicle_data",
            }
            for i, vid in enumerate(self.ids)
        ]

    def tick(self) -> None:
        self.along = (self.along + 0.05) % 1.0
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {
            "vehicles": self.states(now),
            "removed": [],
            "incidents": [],
            "reset": False,
            "cursor": str(self.cursor + 1),
            "now": now,
        }
        encoded = json.dumps(body, separators=(",", ":")).encode()
        with self._lock:
            self.cursor += 1
            self.changes = encoded

    def get(self, path_and_query: str) -> Any:
        from vts.live.forward import Reply, json_reply

        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        if path_and_query.startswith("/changes"):
            with self._lock:
                after = path_and_query.partition("after=")[2]
                if after == str(self.cursor):  # nothing new yet
                    empty = {"vehicles": [], "removed": [], "incidents": [], "reset": False}
                    return json_reply(200, {**empty, "cursor": after, "now": now})
                return Reply(200, self.changes)
        if path_and_query.startswith("/vehicles"):
            return json_reply(
                200, {"vehicles": self.states(now), "cursor": str(self.cursor), "now": now}
            )
        if path_and_query.startswith("/incidents"):
            return json_reply(200, {"incidents": []})
        if path_and_query.startswith("/alerts"):  # the page polls it too; none here
            reset = "after=" not in path_and_query
            return json_reply(200, {"alerts": [], "cursor": "0.0", "reset": reset, "now": now})
        return json_reply(404, {"error": "not in this benchmark"})


def run(ctx: BenchContext) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from simulator.outputs.reference import road_table
    from vts.live.chromium import find_chromium, launch
    from vts.live.roads import roads_geojson
    from vts.live.serve import LiveServer, Site, leaflet_dir

    vehicles, updates = (1_000, 10) if ctx.quick else (10_000, 60)
    roads = road_table("city")
    fleet = MovingFleet(roads, vehicles)
    server = LiveServer(Site(fleet, roads_geojson(roads), leaflet_dir())).start()
    stop = threading.Event()

    def ticker() -> None:
        while not stop.wait(1.0):
            fleet.tick()

    threading.Thread(target=ticker, daemon=True).start()
    ctx.say(f"live_map: {vehicles:,} vehicles moving every second, {updates} updates")
    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            started = time.monotonic()
            page.goto(server.url)
            full = f"vtsLive.stats.sizes.filter((n) => n === {vehicles}).length"
            page.wait_for_function(
                f"window.vtsLive && {full} >= {WARMUP + updates}",
                timeout=(3 * updates + 120) * 1000,
                polling=500,
            )
            elapsed = time.monotonic() - started
            stats = page.evaluate("vtsLive.stats")
            version = browser.version
            browser.close()
    finally:
        stop.set()
        server.stop()
    if errors:
        raise RuntimeError(f"the page reported errors: {errors[:5]}")
    if stats["vehicles"] != vehicles:
        raise RuntimeError(f"the page holds {stats['vehicles']} vehicles, not {vehicles}")
    sizes = np.array(stats["sizes"])
    all_ms = np.array(stats["scriptMs"])
    ms = all_ms[sizes == vehicles][WARMUP:]
    empty = all_ms[sizes == 0]
    result = {
        "vehicles": vehicles,
        "updates_measured": int(ms.size),
        "update_bytes": len(fleet.changes),
        "script_ms_p50": round(float(np.percentile(ms, 50)), 1),
        "script_ms_p95": round(float(np.percentile(ms, 95)), 1),
        "script_ms_max": round(float(ms.max()), 1),
        "full_updates_per_s": round(int((sizes == vehicles).sum()) / elapsed, 2),
        "empty_updates": int(empty.size),
        "empty_update_ms_p50": round(float(np.percentile(empty, 50)), 2) if empty.size else None,
        "target_p95_ms": 100,
        "chromium": f"{find_chromium()} {version}",
    }
    ctx.say(
        f"live_map: script per update p50 {result['script_ms_p50']} ms, "
        f"p95 {result['script_ms_p95']} ms"
    )
    return result
