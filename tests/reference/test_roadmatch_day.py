"""The road rule over a simulated day: the SQL, the reports and the live alerts name the
same road for every fix.

``test_roadmatch.py`` holds every consumer to the rule on a few hand-made junction cases;
this holds them to it on a whole day of the city's roads (480 segments, 252 junctions):
6 simulated vehicles at one fix per 10 s (``vehicle_data`` positions are map-matched, so
on a segment, and a vehicle halted at a junction's light is at a tie), every 7th fix of
each without a heading, and 2 vehicles visiting a junction node (a distance tie between
its 3 or 4 segments) at every fix, with headings along each segment there, across them,
diagonal and missing. Every fix is asked of:

- the rule itself (``RoadIndex.road_ids``);
- the SQL: ``speeding_events.sql`` on the project's SQL test engine (the real local
  Spark, the lake crawled as ``tests/sql`` does), with a tolerance that makes every fix
  on a road "speeding", so its row names the fix's road;
- the reports' rules (``vts.rules.fold.fold``, what the reports job folds per vehicle
  and day) and the live alerts (``vts.live.alerts`` through the live consumer on a real
  redis-server), with ``overspeed_min_duration_s = 0`` and the speeds set to alternate
  between 0 and 200 km/h, so that each fast fix is an overspeed episode of its own whose
  ``road_id`` is that fix's road; twice, the even fixes fast and then the odd ones.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from simulator.outputs.lake import contract_schema, with_partitions, write_table
from simulator.outputs.reference import road_table
from tests.live.messages import event, fix
from tests.reports.simulated import tracks
from vts.catalog import get_catalog
from vts.catalog.crawler import crawl
from vts.geo import bearing_deg
from vts.live.alerts import LiveAlerts
from vts.live.api import handle
from vts.live.consumer import LiveConsumer
from vts.query.analytics import resolve
from vts.query.runner import run_template
from vts.reference.roadmatch import RoadIndex
from vts.reference.roads import write_roads
from vts.rules.fold import RuleContext, fold
from vts.rules.params import DEFAULT_PARAMS
from vts.rules.track import Track

pytestmark = pytest.mark.integration

SCENARIO, SEED, VEHICLES, TICK = "city", 5, 6, 10.0
DAY = datetime(2024, 3, 5, tzinfo=UTC)
NO_HEADING_EVERY = 7
JUNCTION_VEHICLES = 2
BATCH_TICKS = 60  # live: one MSK event per 10 minutes of fixes
PARAMS = replace(DEFAULT_PARAMS, overspeed_min_duration_s=0.0)
YEARS = 10 * 365 * 86400.0
Key = tuple[str, float]  # vehicle, fix time (s)


@dataclass(frozen=True)
class Day:
    tracks: list[Track]  # positions and headings as every consumer sees them
    junction_fixes: int  # fixes exactly at a junction node


def _junctions(roads: list[dict[str, Any]]) -> list[tuple[float, float, list[float]]]:
    """Each node where 3 or more segments meet, with their bearings away from it."""
    nodes: dict[tuple[float, float], list[float]] = {}
    for r in roads:
        a, b = (r["start_lat"], r["start_lon"]), (r["end_lat"], r["end_lon"])
        nodes.setdefault(a, []).append(float(bearing_deg(a[0], a[1], b[0], b[1])))
        nodes.setdefault(b, []).append(float(bearing_deg(b[0], b[1], a[0], a[1])))
    return [(lat, lon, bs) for (lat, lon), bs in sorted(nodes.items()) if len(bs) >= 3]


def _junction_track(vehicle_id: str, n: int, offset: int, roads: list[dict[str, Any]]) -> Track:
    """A vehicle at a junction node at every fix, with one of the headings that decide ties
    (along each segment there, across one, diagonal, missing) in turn."""
    nodes = _junctions(roads)
    lat, lon, heading = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        node_lat, node_lon, bearings = nodes[(offset + i) % len(nodes)]
        choices = [*bearings, (bearings[0] + 90.0) % 360.0, 45.0, float("nan")]
        visit = (offset + i) // len(nodes)  # each visit of a node: the next heading
        lat[i], lon[i], heading[i] = node_lat, node_lon, choices[visit % len(choices)]
    t = DAY.timestamp() + TICK * np.arange(n)
    nan = np.full(n, np.nan)
    return Track(vehicle_id, t, lat, lon, np.full(n, 30.0), heading, nan, nan, nan)


@pytest.fixture(scope="module")
def day() -> Day:
    roads = road_table(SCENARIO)
    out = []
    for tr in tracks(SCENARIO, SEED, DAY, 86400, VEHICLES, TICK):
        heading = tr.heading_deg.copy()
        heading[::NO_HEADING_EVERY] = np.nan
        out.append(replace(tr, heading_deg=heading))
    n = int(86400 / TICK)
    out += [_junction_track(f"J-{j}", n, 97 * j, roads) for j in range(JUNCTION_VEHICLES)]
    nodes = {(lat, lon) for lat, lon, _ in _junctions(roads)}
    at_node = sum(
        (float(a), float(b)) in nodes for tr in out for a, b in zip(tr.lat, tr.lon, strict=True)
    )
    return Day(out, at_node)


def _index() -> RoadIndex:
    return RoadIndex.build(road_table(SCENARIO), PARAMS.road_max_distance_m)


def _rule(day: Day) -> dict[Key, str | None]:
    index = _index()
    out: dict[Key, str | None] = {}
    for tr in day.tracks:
        roads = index.road_ids(tr.lat, tr.lon, tr.heading_deg)
        out.update(zip(((tr.vehicle_id, float(t)) for t in tr.t), roads, strict=True))
    return out


def _alternating(tr: Track, fast_parity: int) -> Track:
    speed = np.where(np.arange(len(tr)) % 2 == fast_parity, 200.0, 0.0)
    return replace(tr, speed_kmh=speed)


def _named(episodes: list[dict[str, Any]]) -> dict[Key, str]:
    """Each overspeed episode's road, by its (only) fast fix: its end."""
    return {(e["vehicle_id"], float(e["end_ts"])): e["road_id"] for e in episodes}


def test_the_day_has_the_hard_cases(day: Day) -> None:
    rule = _rule(day)
    no_heading = sum(int(np.isnan(tr.heading_deg).sum()) for tr in day.tracks)
    assert day.junction_fixes >= JUNCTION_VEHICLES * 86400 / TICK
    assert no_heading > len(rule) / (NO_HEADING_EVERY + 1)
    on_road = [r for r in rule.values() if r is not None]
    assert len(on_road) > 0.9 * len(rule) and len(set(on_road)) > 300


def test_the_reports_name_the_rules_road_for_every_fix(day: Day) -> None:
    ctx = RuleContext(PARAMS, _index())
    named: dict[Key, str] = {}
    for parity in (0, 1):
        for tr in day.tracks:
            episodes = fold(_alternating(tr, parity), ctx)
            named.update(_named([e.as_dict() for e in episodes if e.alert == "overspeed"]))
    want = {k: r for k, r in _rule(day).items() if r is not None}
    assert named == want


def _live_named(store: Any, day: Day, parity: int) -> dict[Key, str]:
    consumer = LiveConsumer(store, alerts=LiveAlerts(store, RuleContext(PARAMS, _index())))
    fast = [_alternating(tr, parity) for tr in day.tracks]
    n = len(fast[0])
    for a in range(0, n, BATCH_TICKS):
        messages = [
            fix(
                tr.vehicle_id,
                datetime.fromtimestamp(float(tr.t[i]), UTC),
                float(tr.lat[i]),
                float(tr.lon[i]),
                speed=float(tr.speed_kmh[i]),
                heading_deg=None if np.isnan(tr.heading_deg[i]) else float(tr.heading_deg[i]),
            )
            for i in range(a, min(n, a + BATCH_TICKS))
            for tr in fast
        ]
        consumer.handle(event(messages))
    alerts: list[dict[str, Any]] = []
    cursor = ""
    while True:
        query = {"after": cursor} if cursor else ""
        page = json.loads(handle("GET", "/alerts", query, store=store)[1])
        if not page["alerts"]:
            break
        alerts += page["alerts"]
        cursor = page["cursor"]
    overspeed = [
        {**a, "end_ts": datetime.fromisoformat(a["end_ts"].replace("Z", "+00:00")).timestamp()}
        for a in alerts
        if a["alert"] == "overspeed"
    ]
    return _named(overspeed)


def test_the_live_alerts_name_the_rules_road_for_every_fix(live_store: Any, day: Day) -> None:
    named: dict[Key, str] = {}
    for parity in (0, 1):  # each in keys of its own: the fixes are the same times
        # the day raises ~100,000 alerts a parity (every other fix is fast): no feed bound
        store = live_store(silence_s=YEARS, alerts_kept=0, prefix=f"t{uuid.uuid4().hex[:12]}")
        named.update(_live_named(store, day, parity))
    want = {k: r for k, r in _rule(day).items() if r is not None}
    assert named == want


@pytest.fixture(scope="module")
def day_lake(spark: Any, day: Day, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("roadday") / "lake"
    write_roads(road_table(SCENARIO), root / "roads" / "roads.parquet")
    rows = [
        {
            "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tr.vehicle_id}/{i}")),
            "ts": datetime.fromtimestamp(float(tr.t[i]), UTC),
            "schema_version": 1,
            "vehicle_id": tr.vehicle_id,
            "latitude": float(tr.lat[i]),
            "longitude": float(tr.lon[i]),
            "speed_kmh": 30.0,
            "heading_deg": None if np.isnan(tr.heading_deg[i]) else float(tr.heading_deg[i]),
            "odometer_km": None,
            "fuel_level_pct": None,
            "make": None,
            "model": None,
            "year": None,
            "fuel_type": None,
            "vehicle_type": None,
        }
        for tr in day.tracks
        for i in range(len(tr))
    ]
    table = pa.Table.from_pylist(rows, schema=contract_schema("vehicle_data"))
    write_table(with_partitions(table), root / "vehicle_data")
    database = f"roadday_{uuid.uuid4().hex[:10]}"
    crawl(root, get_catalog("spark", spark=spark), database=database)
    yield database
    spark.sql(f"DROP DATABASE {database} CASCADE")


def test_the_sql_names_the_rules_road_for_every_fix(spark: Any, day: Day, day_lake: str) -> None:
    result = run_template(
        spark, resolve("speeding_events"), database=day_lake, params={"tolerance_kmh": "-1000"}
    )
    named = {
        (r["vehicle_id"], r["ts"].replace(tzinfo=UTC).timestamp()): r["road_id"]
        for r in result.rows
    }
    want = {k: r for k, r in _rule(day).items() if r is not None}
    assert len(named) == len(result.rows)  # one row per fix
    assert named == want
