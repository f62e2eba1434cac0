"""``near_incident`` live for fixes handled before their incident was known, on a real
redis-server: the look-back (``vts.live.lookback``) raises the reports' alert.

A vehicle drives straight through an incident's radius; the incident's first report
comes in a batch after some or all of those fixes (it is on its own topic). The live
alert must be the reports' (``vts.rules.fold`` over all the fixes, the incident known
from the start), to the byte, and be raised once through retried batches, a retry
after a kill between the alerts' write and the incident's, and a replay.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from tests.live.messages import event, fix, incident
from vts.live.alerts import LiveAlerts, alert_json
from vts.live.api import handle
from vts.live.consumer import LiveConsumer
from vts.rules.fold import RuleContext, fold
from vts.rules.params import ReportParams
from vts.rules.places import Incident
from vts.rules.track import Track

pytestmark = pytest.mark.integration

T0 = datetime(2024, 3, 5, 7, tzinfo=UTC)
YEARS = 10 * 365 * 86400.0  # the messages are from 2024: keep their states
P = ReportParams()  # near_incident_radius_m: 1,000 m
AT = (52.0, 13.0)  # the incident
I1 = "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
REPORTED = 5.0  # its first report, seconds after T0: before the vehicle comes near
FIXES = 44  # one per 10 s, 111 m apart, due north: within 1,000 m from fix 12 to fix 29


def _lat(i: int) -> float:
    return AT[0] + (i - 20.5) * 1e-3


def _fixes(vehicle: str, indices: range, lon: float = AT[1]) -> list[Any]:
    return [
        fix(vehicle, T0 + timedelta(seconds=10 * i), _lat(i), lon, speed=40.0, heading_deg=0.0)
        for i in indices
    ]


def _report() -> Any:
    topic, record = incident(I1, T0 + timedelta(seconds=REPORTED), "Active")
    record.update(latitude=AT[0], longitude=AT[1])
    return topic, record


def _reports_alert() -> dict[str, Any]:
    """The reports' near_incident alert over all of A's fixes, as ``/alerts`` serves it."""
    t = T0.timestamp() + 10.0 * np.arange(FIXES)
    lat = np.array([_lat(i) for i in range(FIXES)])
    unknown = np.full(FIXES, np.nan)
    track = Track("A", t, lat, np.full(FIXES, AT[1]), np.full(FIXES, 40.0), *[unknown] * 4)
    inc = Incident(I1, "Fire", AT[0], AT[1], T0.timestamp() + REPORTED)
    (episode,) = [
        e for e in fold(track, RuleContext(P, incidents=(inc,))) if e.alert == "near_incident"
    ]
    assert episode.ended and episode.end_ts == T0.timestamp() + 290  # the test's own premise
    found: dict[str, Any] = json.loads(alert_json(episode))
    return found


class Feed:
    """The alert feed read after each batch: every version ``/alerts`` served."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.versions: list[dict[str, Any]] = []
        self.cursor: str | None = None

    def read(self) -> list[dict[str, Any]]:
        query = {"after": self.cursor} if self.cursor else ""
        status, body, _ = handle("GET", "/alerts", query, store=self.store)
        assert status == 200, body
        page = json.loads(body)
        self.cursor = page["cursor"]
        self.versions += page["alerts"]
        return list(page["alerts"])

    def near(self) -> list[dict[str, Any]]:
        return [a for a in self.versions if a["alert"] == "near_incident"]


def _handle_twice(consumer: LiveConsumer, messages: list[Any]) -> None:
    consumer.handle(event(messages))
    assert consumer.handle(event(messages)).alerts_changed == 0  # the batch retried


def _killed_before_the_incident_was_kept(
    consumer: LiveConsumer, alerts: LiveAlerts, messages: list[Any]
) -> None:
    """The incident's batch retried as if killed after the alerts' script and before the
    incident's span was kept: the look-back runs again and writes nothing new."""
    alerts.store.client.hdel(alerts.k["inc"], I1)
    assert consumer.handle(event(messages)).alerts_changed == 0


def test_a_vehicle_that_passed_before_the_incident_was_reported_is_alerted(
    live_store: Any,
) -> None:
    store = live_store(silence_s=YEARS, incident_ttl_s=0.0)
    alerts = LiveAlerts(store, RuleContext(P))
    consumer = LiveConsumer(store, alerts=alerts)
    feed = Feed(store)
    far = _fixes("B", range(FIXES), lon=AT[1] + 1.0)  # 68 km east: never near it
    batches = [
        _fixes("A", range(16)) + far[:16],
        _fixes("A", range(16, 41)) + far[16:41],  # A passed the incident and left
        [_report(), *_fixes("A", range(41, FIXES)), *far[41:]],  # then it is reported
    ]
    for n, messages in enumerate(batches):
        _handle_twice(consumer, messages)
        feed.read()
        assert len(feed.near()) == (1 if n == 2 else 0)  # none until the report
    _killed_before_the_incident_was_kept(consumer, alerts, batches[-1])
    for messages in batches:  # a replay of the whole stretch
        assert consumer.handle(event(messages)).alerts_changed == 0
    feed.read()
    (alert,) = feed.near()  # raised once, already ended
    assert alert == _reports_alert()
    assert alert["vehicle_id"] == "A" and alert["status"] == "ended"


@pytest.mark.parametrize("with_fixes", [False, True], ids=["report-alone", "report-with-fixes"])
def test_a_vehicle_still_near_when_reported_continues_the_same_alert(
    live_store: Any, with_fixes: bool
) -> None:
    store = live_store(silence_s=YEARS, incident_ttl_s=0.0)
    alerts = LiveAlerts(store, RuleContext(P))
    consumer = LiveConsumer(store, alerts=alerts)
    feed = Feed(store)
    more = range(16, 23) if with_fixes else range(16, 16)  # still near: fix 29 is its last
    batches = [
        _fixes("A", range(16)),  # near from fix 12 on
        [_report(), *_fixes("A", more)],
        _fixes("A", range(more.stop, 23)),
        _fixes("A", range(23, FIXES)),  # leaves after fix 29
    ]
    for n, messages in enumerate(batches):
        if messages:
            _handle_twice(consumer, messages)
        if n == 1:
            _killed_before_the_incident_was_kept(consumer, alerts, messages)
        page = [a for a in feed.read() if a["alert"] == "near_incident"]
        if n == 0:
            assert page == []  # not known yet
        if n == 1:  # raised by the look-back, still going on
            (raised,) = page
            assert raised["status"] == "active"
            last = T0 + timedelta(seconds=10 * (more.stop - 1 if with_fixes else 15))
            assert raised["end_ts"] == last.isoformat().replace("+00:00", "Z")
    versions = feed.near()
    expected = _reports_alert()
    assert {a["alert_id"] for a in versions} == {expected["alert_id"]}  # one alert, continued
    assert [a["status"] for a in versions][-1] == "ended" and versions[-1] == expected
    assert [a["status"] for a in versions].count("ended") == 1
