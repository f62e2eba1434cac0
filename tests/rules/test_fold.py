"""The rules give the same episodes folded over a day in one batch or in many.

What the live path sees (a vehicle's fixes a batch at a time, with the state carried in
between) and what the reports see (the whole window at once) must not differ: a
simulated fleet's tracks (the city, 10 s fixes for two hours; 1 s fixes for harsh
driving) are folded whole and cut at random places, with the scenario's roads and
geofences and an incident on the route of some vehicles.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulator.outputs.reference import scenario_geofences
from tests.reports.simulated import roads, tracks
from tests.reports.tracks import LAT0, LON0, TrackBuilder, epoch
from vts.reference.geofences import from_geojson
from vts.rules.fold import RuleContext, fold, step
from vts.rules.params import DEFAULT_PARAMS as P
from vts.rules.places import Incident, incidents_from_events

START = datetime(2024, 3, 5, 7, tzinfo=UTC)


def _context(incidents: tuple[Incident, ...] = ()) -> RuleContext:
    fences = from_geojson(scenario_geofences("city"))
    return RuleContext(P, roads("city", P.road_max_distance_m), fences, incidents)


@pytest.mark.parametrize(("seconds", "tick", "vehicles"), [(7200, 10.0, 16), (900, 1.0, 12)])
def test_one_batch_or_many_give_the_same_episodes(seconds: int, tick: float, vehicles: int) -> None:
    fleet = list(tracks("city", 11, START, seconds, vehicles, tick))
    # an incident where one vehicle drives a third of the way in, active for a while
    probe = fleet[0]
    k = len(probe) // 3
    incident = Incident(
        "INC-1",
        "Accident",
        float(probe.lat[k]),
        float(probe.lon[k]),
        float(probe.t[k - 30]),
        float(probe.t[k + 60]),
    )
    ctx = _context((incident,))
    rng = np.random.default_rng(5)
    kinds: set[str] = set()
    for tr in fleet:
        whole = fold(tr, ctx)
        cuts = sorted(set(rng.integers(1, len(tr), size=12).tolist()))
        assert fold(tr, ctx, cuts) == whole, tr.vehicle_id
        if tr is fleet[0]:  # fix by fix
            assert fold(tr, ctx, list(range(1, len(tr)))) == whole, tr.vehicle_id
        kinds |= {e.alert for e in whole}
    assert {"overspeed", "geofence", "near_incident"} <= kinds or tick == 1.0
    assert tick == 10.0 or {"harsh_braking", "harsh_acceleration"} & kinds


def test_a_replayed_or_late_batch_changes_nothing() -> None:
    tr = next(tracks("city", 11, START, 3600, 1, 10.0))
    ctx = _context()
    state, first = step(tr.take(np.arange(0, 200)), {}, ctx)
    again, replayed = step(tr.take(np.arange(0, 200)), state, ctx)
    assert again == state and replayed == []
    late, found = step(tr.take(np.arange(150, 250)), state, ctx)  # 50 old fixes, 50 new
    _, only_new = step(tr.take(np.arange(200, 250)), state, ctx)
    assert (late, found) == (_, only_new)


def test_an_episode_is_raised_when_decidable_and_ended_by_the_same_id() -> None:
    day = epoch("2024-03-05T08:00:00")
    b = TrackBuilder(day).drive(60, 30).drive(60, 90).drive(60, 30)
    tr = b.track()
    index = roads_one_road()
    ctx = RuleContext(P, index)
    state: dict[str, object] = {}
    seen = []
    for i in range(len(tr)):
        state, found = step(tr.take(np.array([i])), state, ctx)
        seen += [(float(tr.t[i]), e) for e in found if e.alert == "overspeed"]
    raised = [(t, e) for t, e in seen if not e.ended]
    ended = [(t, e) for t, e in seen if e.ended]
    # fast from 08:01:10; raised once 15 s have passed since the fix before (08:01:00)
    assert raised[0][0] == epoch("2024-03-05T08:01:20")
    assert {e.id for _, e in seen} == {raised[0][1].id}
    assert len(ended) == 1 and ended[0][0] == epoch("2024-03-05T08:02:10")
    assert ended[0][1].end_ts == epoch("2024-03-05T08:02:00")
    assert ended[0][1].start_ts == epoch("2024-03-05T08:01:00") and ended[0][1].value == 90.0


def roads_one_road():  # type: ignore[no-untyped-def]
    from vts.reference.roadmatch import RoadIndex

    row = {
        "road_id": "R-1",
        "speed_limit_kmh": 50.0,
        "start_lat": LAT0,
        "start_lon": LON0,
        "end_lat": LAT0,
        "end_lon": LON0 + 0.2,
    }
    return RoadIndex.build([row], 30.0)


def test_near_incident_while_active_only() -> None:
    day = epoch("2024-03-05T08:00:00")
    tr = TrackBuilder(day).drive(600, 36).track()  # 6 km east at 10 m/s
    # an incident 2 km along the road, reported at 08:00 and resolved at 08:04
    lat, lon = float(tr.lat[20]), float(tr.lon[20])
    rows = [
        {
            "incident_id": "I-1",
            "incident_type": "Fire",
            "status": "Active",
            "ts": day,
            "latitude": lat,
            "longitude": lon,
            "event_id": "a",
        },
        {
            "incident_id": "I-1",
            "incident_type": "Fire",
            "status": "Resolved",
            "ts": day + 240,
            "latitude": lat,
            "longitude": lon,
            "event_id": "b",
        },
        {
            "incident_id": "I-0",
            "incident_type": "None",
            "status": "Active",
            "ts": day,
            "latitude": lat,
            "longitude": lon,
            "event_id": "c",
        },
    ]
    incidents = tuple(incidents_from_events(rows))
    assert [i.incident_id for i in incidents] == ["I-1"]
    (e,) = fold(tr, RuleContext(P, incidents=incidents))
    # within 1 km from 1 km along (08:01:40), until the incident is resolved (08:04)
    assert e.alert == "near_incident" and e.subject == "I-1" and e.ended
    assert e.start_ts == day + 100 and e.end_ts == day + 230
    assert e.value == pytest.approx(0.0, abs=1e-6) and e.threshold == P.near_incident_radius_m
