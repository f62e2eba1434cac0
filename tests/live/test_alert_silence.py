"""``silent`` live and the alert feed's bounds, on a real redis-server.

Silence is decided by time passing, not by a fix: the consumer's batches (and its sweep
when the topics are quiet) raise a vehicle's silence once the stream's clock is
``silent_gap_s`` past its last fix while it was moving; the fix that ends the gap ends the
same alert. The episodes are the reports' (``vts.rules.fold`` with the same horizon).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from tests.live.messages import event, fix
from vts.live.alerts import LiveAlerts
from vts.live.api import handle
from vts.live.consumer import LiveConsumer
from vts.rules.fold import RuleContext, fold
from vts.rules.params import ReportParams
from vts.rules.track import Track

pytestmark = pytest.mark.integration

T0 = datetime(2024, 3, 5, 7, tzinfo=UTC)
YEARS = 10 * 365 * 86400.0  # the messages are from 2024: keep their states
P = ReportParams()


def _alerts(store: Any, after: str | None = None) -> dict[str, Any]:
    query = {"after": after} if after else ""
    status, body, _ = handle("GET", "/alerts", query, store=store)
    assert status == 200, body
    page: dict[str, Any] = json.loads(body)
    return page


def _consumer(store: Any, params: ReportParams = P) -> LiveConsumer:
    return LiveConsumer(store, alerts=LiveAlerts(store, RuleContext(params)))


def _track(vehicle: str, fixes: list[tuple[float, float]]) -> Track:
    """(seconds after T0, speed) fixes along a line."""
    t = np.array([T0.timestamp() + s for s, _ in fixes])
    n = t.size
    lat = 52.0 + np.arange(n) * 1e-4
    return Track(
        vehicle,
        t,
        lat,
        np.full(n, 13.0),
        np.array([v for _, v in fixes], dtype=float),
        *(np.full(n, np.nan) for _ in range(4)),
    )


def _fix(vehicle: str, i: int, seconds: float, speed: float) -> tuple[str, dict[str, Any]]:
    ts = T0 + timedelta(seconds=seconds)
    return fix(
        vehicle, ts, 52.0 + i * 1e-4, 13.0, speed=speed, heading_deg=None, fuel_level_pct=50.0
    )


def test_a_vehicle_silent_mid_trip_is_raised_by_the_clock_and_ended_by_its_next_fix(
    live_store: Any,
) -> None:
    store = live_store(silence_s=YEARS, incident_ttl_s=0.0)
    consumer = _consumer(store)
    # A drives, falls silent for 15 min from 600 s, and comes back; B drives throughout
    # (its fixes move the clock); C parks at 600 s and says nothing more: stopped.
    a = [(s, 40.0) for s in range(0, 610, 10)] + [(1500.0 + s, 40.0) for s in range(0, 60, 10)]
    b = [(float(s), 30.0) for s in range(0, 1560, 10)]
    c = [(float(s), 30.0) for s in range(0, 600, 10)] + [(600.0, 0.0)]
    fixes = {"A": a, "B": b, "C": c}
    timeline = sorted((s, v, i, speed) for v, f in fixes.items() for i, (s, speed) in enumerate(f))
    versions: list[dict[str, Any]] = []
    cursor = _alerts(store)["cursor"]
    for at in range(0, 1560, 30):  # a batch per 30 s of the stream
        batch = [_fix(v, i, s, speed) for s, v, i, speed in timeline if at <= s < at + 30]
        if not batch:
            continue
        consumer.handle(event(batch))
        assert consumer.handle(event(batch)).alerts_changed == 0  # the batch retried
        page = _alerts(store, cursor)
        cursor = page["cursor"]
        versions += [dict(x, batch_at=at) for x in page["alerts"] if x["alert"] == "silent"]
    assert consumer.sweep() == 0  # nothing more is due
    raised, ended = versions
    assert raised["vehicle_id"] == ended["vehicle_id"] == "A"
    assert raised["alert_id"] == ended["alert_id"]
    assert (raised["status"], ended["status"]) == ("active", "ended")
    # raised by the batch whose fixes took the clock 600 s past A's last fix (600 s)
    assert raised["batch_at"] == 1200 and raised["value"] is None
    assert raised["start_ts"] == raised["end_ts"] == "2024-03-05T07:10:00Z"
    assert ended["end_ts"] == "2024-03-05T07:25:00Z" and ended["value"] == 900
    # the reports' rule over the same fixes: the same episode, with the same id
    (episode,) = [
        e
        for v, f in fixes.items()
        for e in fold(_track(v, f), RuleContext(P), horizon=T0.timestamp() + 1560)
        if e.alert == "silent"
    ]
    assert episode.id == ended["alert_id"] and episode.value == 900


def test_quiet_topics_still_raise_a_silence_when_the_stream_is_live(live_store: Any) -> None:
    """Fixes of now: the clock moves on with the server's time while nothing comes, so the
    sweep ``vts live run`` (and the schedule on AWS) calls raises the silence."""
    store = live_store()
    params = ReportParams(silent_gap_s=1.0)
    consumer = _consumer(store, params)
    t = datetime.now(UTC) - timedelta(seconds=0.2)
    consumer.handle(event([fix("Q", t, 52.0, 13.0, speed=50.0, fuel_level_pct=50.0)]))
    assert _alerts(store)["alerts"] == []
    time.sleep(1.5)
    assert consumer.sweep() == 1
    assert consumer.sweep() == 0  # raised once
    (alert,) = _alerts(store)["alerts"]
    assert (alert["alert"], alert["vehicle_id"], alert["status"]) == ("silent", "Q", "active")


def test_a_replayed_stream_does_not_move_its_clock_with_the_servers(live_store: Any) -> None:
    """Fixes from 2024 arrived long after their time: the clock is theirs alone, so the
    hours since then do not make every moving vehicle silent."""
    store = live_store(silence_s=YEARS)
    consumer = _consumer(store)
    consumer.handle(event([_fix("R", 0, 0.0, 50.0), _fix("S", 0, 0.0, 50.0)]))
    assert consumer.sweep() == 0 and _alerts(store)["alerts"] == []


def _low_fuel(store: Any, consumer: LiveConsumer, vehicles: list[str]) -> None:
    batch = [
        fix(v, T0 + timedelta(seconds=n), 52.0, 13.0, speed=0.0, fuel_level_pct=10.0)
        for n, v in enumerate(vehicles)
    ]
    consumer.handle(event(batch))


def test_the_alert_feed_keeps_its_newest_alerts_and_an_old_cursor_resets(
    live_store: Any,
) -> None:
    store = live_store(silence_s=YEARS, alerts_kept=3)
    consumer = _consumer(store)
    _low_fuel(store, consumer, ["V1"])
    first = _alerts(store)
    assert [a["vehicle_id"] for a in first["alerts"]] == ["V1"]
    _low_fuel(store, consumer, ["V2", "V3"])
    page = _alerts(store, first["cursor"])  # still on the feed: no reset
    assert not page["reset"] and [a["vehicle_id"] for a in page["alerts"]] == ["V2", "V3"]
    _low_fuel(store, consumer, ["V4", "V5"])
    page = _alerts(store, first["cursor"])  # V2 fell off after that cursor: start again
    assert page["reset"] is True
    assert [a["vehicle_id"] for a in page["alerts"]] == ["V3", "V4", "V5"]
    again = _alerts(store, page["cursor"])
    assert not again["reset"] and again["alerts"] == []


def test_the_alert_feed_drops_alerts_unwritten_for_its_ttl(live_store: Any) -> None:
    store = live_store(silence_s=YEARS, alerts_ttl_s=0.5)
    consumer = _consumer(store)
    _low_fuel(store, consumer, ["W1", "W2"])
    start = _alerts(store)
    time.sleep(0.7)
    _low_fuel(store, consumer, ["W3"])  # a write trims the feed
    page = _alerts(store)
    assert [a["vehicle_id"] for a in page["alerts"]] == ["W3"]
    assert _alerts(store, start["cursor"])["reset"] is False  # it saw W1, W2: nothing lost
    older = start["cursor"].rsplit(".", 1)[0] + ".1"  # had seen W1 only
    assert _alerts(store, older)["reset"] is True


def test_a_partition_behind_holds_the_clock_back(live_store: Any) -> None:
    """The clock is the least of the partitions': a backlog on one partition does not make
    the vehicles it carries look silent because another partition is ahead."""
    store = live_store(silence_s=YEARS)
    alerts = LiveAlerts(store, RuleContext(P))
    consumer = LiveConsumer(store, alerts=alerts)
    consumer.handle(event([_fix("A", i, s, 40.0) for i, s in enumerate(range(0, 610, 10))]))
    ms = round(T0.timestamp() * 1000)
    assert alerts.sweep({"vehicle_data-0": ms + 1_300_000, "vehicle_data-1": ms + 500_000}) == 0
    assert alerts.sweep({"vehicle_data-1": ms + 1_250_000}) == 1  # caught up: A is due
    (alert,) = _alerts(store)["alerts"]
    assert (alert["alert"], alert["vehicle_id"], alert["status"]) == ("silent", "A", "active")


def test_a_silence_is_not_raised_over_a_state_that_changed_meanwhile(live_store: Any) -> None:
    """The sweep writes only if the vehicle's rule state is still the one it judged (here
    a fix came between its read and its write: the script refuses, and the vehicle stays
    due for the next sweep to judge again)."""
    store = live_store(silence_s=YEARS)
    alerts = LiveAlerts(store, RuleContext(P))
    consumer = LiveConsumer(store, alerts=alerts)
    consumer.handle(event([_fix("A", 0, 0.0, 40.0)]))
    k = alerts.k
    judged = store.client.hget(k["rs"], "A")
    consumer.handle(event([_fix("A", 1, 10.0, 40.0)]))  # the fix that came meanwhile
    args = [*alerts._write_args(1), "A", "1", judged, "", "", 0, 1, "x", '{"stale":true}']
    assert alerts._write(keys=alerts._keys(), args=args) == 0
    assert store.client.hget(k["alerts"], "x") is None
    assert store.client.zscore(k["due"], "A") is not None
