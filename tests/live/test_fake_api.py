"""The map tests' API double answers ``/alerts`` as the real routing does on the same alerts.

The real side is ``vts.live.api.handle`` with the store's alert page (``LiveAlerts.after``)
standing in for redis and giving the double's alerts in the double's feed order: what is
compared is everything the routing adds (the envelope, the cursor's form, ``reset``, the
400 for a garbled cursor), and the alert JSON, which both take from ``alert_json``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from simulator.outputs.reference import road_table
from tests.live.fake_api import FakeLiveApi
from vts.live import api
from vts.live.alerts import AlertPage
from vts.live.cursor import Cursor
from vts.rules.episode import Episode

ROADS = road_table("city")


def episode(vehicle: str, start: float, ended: bool) -> Episode:
    return Episode(
        vehicle, "overspeed", start, start + 30, ended, 59.33, 18.06, 92.5, 50.0, road_id="R-1"
    )


class StorePage:
    """``LiveAlerts`` over the double's feed (what redis would hold after the same writes)."""

    def __init__(self, fleet: FakeLiveApi) -> None:
        self.fleet = fleet

    def __call__(self, store: object) -> StorePage:
        return self

    def after(self, cursor: Cursor | None) -> AlertPage:
        reset = cursor is None or cursor.epoch != "f00d"
        after = 0 if reset or cursor is None else cursor.seq
        rows = sorted((at, k) for k, at in self.fleet.alert_changed.items() if at > after)
        text = "[" + ",".join(self.fleet.alerts[k] for _, k in rows) + "]"
        return AlertPage(text, Cursor("f00d", rows[-1][0] if rows else after), reset)


@pytest.mark.parametrize(
    ("query", "alerts"),
    [
        ("", 2),
        ("after=f00d.1", 2),
        ("after=f00d.2", 1),
        ("after=abc.1", 2),
        ("after=f00d.9", 0),
        ("after=x", None),
    ],
)
def test_the_doubles_alerts_answer_is_the_real_handlers(
    query: str, alerts: int | None, monkeypatch: Any
) -> None:
    fleet = FakeLiveApi(ROADS, 3, time.time())
    t = time.time() - 60
    fleet.set_alert(episode("VEH-000001", t, ended=False))
    fleet.set_alert(episode("VEH-000002", t + 5, ended=False))
    fleet.set_alert(episode("VEH-000001", t, ended=True))  # its end rewrites the first
    monkeypatch.setattr(api, "LiveAlerts", StorePage(fleet))
    real = api.handle("GET", "/alerts", query, store=object())  # type: ignore[arg-type]
    status, body, _ = fleet.handle("GET", "/alerts", query)
    assert status == real.status
    mine, theirs = json.loads(body), json.loads(real.body)
    mine.pop("now", None), theirs.pop("now", None)
    if alerts is None:
        assert status == 400
    if status == 400:
        assert set(mine) == set(theirs) == {"error"}
        return
    assert mine == theirs
    assert len(mine["alerts"]) == alerts
