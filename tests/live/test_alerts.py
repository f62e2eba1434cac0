"""Live alerts on a real redis-server: the reports' rules per batch, raised once, served by
``GET /alerts``, and in agreement with the reports for the same data.

A simulated span of the city (``bench/alerts_day.py``) goes through the live consumer as
MSK events in time order, with the scenario's roads and geofences; the reports fold the
same messages. Every batch is also handled a second time (a retried batch) and, at the
end, an early stretch of the span is replayed (a replayed window): neither writes a
single alert again. Some vehicles' ``vehicle_data`` is withheld from both sides for a while
(the harness's ``Dropouts``), so the span holds ``silent`` episodes, and the dropouts are
the truth both sides' are held to.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bench.alerts_day import (
    Dropouts,
    Span,
    compare,
    live_side,
    report_side,
    stream,
)
from bench.alerts_truth import dropout_gaps, silent_against_truth
from simulator.outputs.reference import road_table, scenario_geofences
from vts.live.alerts import LiveAlerts
from vts.live.api import handle
from vts.live.consumer import LiveConsumer
from vts.reference.geofences import from_geojson
from vts.reference.roadmatch import RoadIndex
from vts.rules.fold import RuleContext
from vts.rules.params import DEFAULT_PARAMS as P

pytestmark = pytest.mark.integration

START = datetime(2024, 3, 5, 7, tzinfo=UTC)
SECONDS, VEHICLES, TICK, BATCH_TICKS = 2 * 3600, 30, 10.0, 3
YEARS = 10 * 365 * 86400.0  # the span is in the past: keep its states and incidents


def _context() -> RuleContext:
    roads = RoadIndex.build(road_table("city"), P.road_max_distance_m)
    return RuleContext(P, roads, from_geojson(scenario_geofences("city")))


def _all_alerts(store: Any) -> list[dict[str, Any]]:
    status, body, _ = handle("GET", "/alerts", "", store=store)
    assert status == 200
    page = json.loads(body)
    alerts, cursor = page["alerts"], page["cursor"]
    while True:
        status, body, _ = handle("GET", "/alerts", {"after": cursor}, store=store)
        page = json.loads(body)
        if not page["alerts"]:
            return alerts
        alerts += page["alerts"]
        cursor = page["cursor"]


@dataclass
class Streamed:
    span: Span
    events: list[dict[str, Any]]


@pytest.fixture(scope="module")
def span() -> Streamed:
    collected = Span()
    events = list(
        stream("city", 11, START, SECONDS, VEHICLES, TICK, collected, BATCH_TICKS, Dropouts())
    )
    return Streamed(collected, events)


def test_live_alerts_raised_once_and_agree_with_the_reports(live_store: Any, span: Any) -> None:
    store = live_store(silence_s=YEARS, incident_ttl_s=0.0)
    ctx = _context()
    consumer = LiveConsumer(store, alerts=LiveAlerts(store, ctx))
    raised_while_silent = 0
    for event in span.events:
        raised_while_silent += consumer.handle(event).silent_raised
        assert consumer.handle(event).alerts_changed == 0  # the batch retried
    first = {a["alert_id"]: a for a in _all_alerts(store)}
    for event in span.events[10:40]:  # a window replayed later
        assert consumer.handle(event).alerts_changed == 0
    again = _all_alerts(store)
    assert len(again) == len(first) and {a["alert_id"]: a for a in again} == first

    live = live_side(list(first.values()))
    reports = report_side(span.span, ctx, START.timestamp(), START.timestamp() + SECONDS)
    kinds = {a["alert"] for a in live}
    assert {"overspeed", "geofence", "silent"} <= kinds, kinds
    agreed, only_live = compare(live, reports, TICK)
    found, only_reports = compare(reports, live, TICK)
    assert len(live) > 50 and len(reports) > 50
    by_kind = Counter(a["alert"] for a in only_live), Counter(a["alert"] for a in only_reports)
    assert agreed / len(live) >= 0.99, (by_kind, only_live[:5])
    assert found / len(reports) >= 0.99, (by_kind, only_reports[:5])

    silent = [[a for a in side if a["alert"] == "silent"] for side in (live, reports)]
    assert compare(silent[0], silent[1], TICK)[0] == len(silent[0]) == len(silent[1])
    truths = [silent_against_truth(side, span.span, P, TICK) for side in (live, reports)]
    for truth in truths:
        assert truth["missed"] == truth["alerts_without_true_silence"] == 0, truth
    truth = truths[0]
    assert truth["alerts"] == truth["must_raise"] > 0, truth
    assert truth["must_not_raise_shorter_than_gap"] > 0 and truth["must_not_raise_stopped"] > 0
    # the stream's clock, not the fix that ends it, raised each silence that was due a
    # batch before that fix came (a batch's fixes are stepped before its silences are swept)
    assert raised_while_silent == _due_a_batch_early(span.span) > 0, truth


def _due_a_batch_early(span: Span) -> int:
    """The dropouts that must raise a silence whose due time (the last fix before it +
    ``silent_gap_s``) the stream's clock reached in a batch before the first fix after it:
    a batch's clock is its newest fix, its last tick."""
    t0, batch = START.timestamp(), TICK * BATCH_TICKS
    return sum(
        t0 + (g["end"] - t0) // batch * batch - TICK >= g["start"] + P.silent_gap_s
        for g in dropout_gaps(span, P)
        if g["must_raise"]
    )


def test_an_episode_end_updates_the_alert_its_start_raised(live_store: Any, span: Any) -> None:
    store = live_store(silence_s=YEARS, incident_ttl_s=0.0)
    consumer = LiveConsumer(store, alerts=LiveAlerts(store, _context()))
    versions: dict[str, list[str]] = {}
    cursor = json.loads(handle("GET", "/alerts", "", store=store)[1])["cursor"]
    for event in span.events[:300]:
        consumer.handle(event)
        page = json.loads(handle("GET", "/alerts", {"after": cursor}, store=store)[1])
        cursor = page["cursor"]
        for a in page["alerts"]:
            versions.setdefault(a["alert_id"], []).append(a["status"])
    overspeed = [v for v in versions.values() if v[0] == "active" and v[-1] == "ended"]
    assert overspeed, "some episode was raised and later ended"
    assert all(
        v.count("ended") == 1 and v[-1] == "ended" for v in versions.values() if "ended" in v
    )


def test_alerts_rejects_a_garbled_cursor(live_store: Any) -> None:
    status, body, _ = handle("GET", "/alerts", {"after": "nonsense"}, store=live_store())
    assert status == 400 and "after" in json.loads(body)["error"]
