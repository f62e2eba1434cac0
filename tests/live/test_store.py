"""The live store on a real redis-server: newest event time wins on the server, the
change feed, the trail, incidents, expiry and bounding boxes."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.live.messages import coalesced, event, fix, incident, now
from vts.live.consumer import LiveConsumer
from vts.live.cursor import Cursor
from vts.live.states import order_keys
from vts.live.store import LiveStore
from vts.live.store_reads import BBox

pytestmark = pytest.mark.integration


def _consumer(live_store: Any, **overrides: Any) -> LiveConsumer:
    return LiveConsumer(live_store(**overrides))


def _states(store: LiveStore) -> dict[str, dict[str, Any]]:
    return {v["vehicle_id"]: v for v in json.loads(store.snapshot().vehicles_json)}


def test_the_newest_event_time_wins_whatever_the_order_and_replays(live_store: Any) -> None:
    consumer = _consumer(live_store)
    t0 = now() - timedelta(seconds=60)
    fixes = [
        fix(f"v{v}", t0 + timedelta(seconds=s), 50 + s / 100, 4 + v / 10)
        for v in range(5)
        for s in range(30)
    ]
    rng = random.Random(1)  # noqa: S311
    batches = [fixes[i : i + 17] for i in range(0, len(fixes), 17)]
    rng.shuffle(batches)
    for batch in batches:
        consumer.handle(event(batch))
    states = _states(consumer.store)
    assert sorted(states) == [f"v{v}" for v in range(5)]
    for v in range(5):
        assert states[f"v{v}"]["latitude"] == pytest.approx(50.29)
    cursor = consumer.store.snapshot().cursor
    for batch in batches[:3]:  # an old window again, and duplicates
        report = consumer.handle(event(batch + batch))
        assert report.written == 0
    assert _states(consumer.store) == states
    assert consumer.store.changes(cursor).vehicles_json == "[]"


def test_equal_times_are_broken_by_topic_then_event_id(live_store: Any) -> None:
    consumer = _consumer(live_store)
    t = now()
    gps = fix("v1", t, 1.0, 1.0, topic="gps_data", event_id="ffffffff-0000-4000-8000-000000000000")
    veh = fix("v1", t, 2.0, 2.0, event_id="00000000-0000-4000-8000-000000000000")
    consumer.handle(event([veh]))
    consumer.handle(event([gps]))
    assert _states(consumer.store)["v1"]["topic"] == "vehicle_data"


def test_the_change_feed_returns_only_what_changed(live_store: Any) -> None:
    consumer = _consumer(live_store)
    t = now()
    consumer.handle(event([fix(f"v{i}", t, 10.0, 10.0) for i in range(50)]))
    cursor = consumer.store.snapshot().cursor
    consumer.handle(event([fix("v7", t + timedelta(seconds=1), 11.0, 11.0)]))
    changes = consumer.store.changes(cursor)
    assert not changes.reset
    assert [v["vehicle_id"] for v in json.loads(changes.vehicles_json)] == ["v7"]
    assert consumer.store.changes(changes.cursor).vehicles_json == "[]"
    stale = Cursor("0badc0de", cursor.seq)
    reset = consumer.store.changes(stale)
    assert reset.reset and len(json.loads(reset.vehicles_json)) == 50


def test_the_trail_keeps_the_last_minutes_oldest_first(live_store: Any) -> None:
    consumer = _consumer(live_store, trail_s=10)
    t0 = now() - timedelta(seconds=40)
    consumer.handle(event([fix("v1", t0 + timedelta(seconds=s), s, 0.0) for s in range(0, 40, 2)]))
    state, trail = consumer.store.vehicle("v1") or ("", "")
    points = json.loads(trail)
    assert [p["latitude"] for p in points] == [28.0, 30.0, 32.0, 34.0, 36.0, 38.0]
    assert set(points[0]) == {"ts", "latitude", "longitude", "speed_kmh"}
    assert json.loads(state)["latitude"] == 38.0
    assert consumer.store.vehicle("nobody") is None


def test_a_trail_written_a_point_a_batch_serves_each_point_exactly(live_store: Any) -> None:
    """A batch with one record of a vehicle sends only the point's speed: the server makes
    the stored member from the state's time and position. Each point comes back as it was
    sent, to the microsecond; a member stored as JSON by an earlier release is served as
    it is."""
    consumer = _consumer(live_store)
    t0 = now().replace(microsecond=0) - timedelta(seconds=10)
    sent = [
        (t0 + timedelta(seconds=s, microseconds=7 * s), 51.5 + s / 1e6, -0.1 - s / 1e7, 12.5 * s)
        for s in range(3)
    ]
    for ts, lat, lon, speed in sent:
        consumer.handle(event([fix("v1", ts, lat, lon, speed=speed)]))
    _, trail = consumer.store.vehicle("v1") or ("", "")
    expected = [
        {
            "ts": ts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "latitude": lat,
            "longitude": lon,
            "speed_kmh": speed,
        }
        for ts, lat, lon, speed in sent
    ]
    assert json.loads(trail) == expected
    earlier = '{"ts":"2020-01-01T00:00:00Z","latitude":1.0,"longitude":2.0,"speed_kmh":3.0}'
    score = int(t0.timestamp() * 1_000_000) + 1
    consumer.store.client.zadd(consumer.store.prefix + "t:v1", {earlier: score})
    _, trail = consumer.store.vehicle("v1") or ("", "")
    assert json.loads(trail)[1] == json.loads(earlier)


def test_incidents_are_active_until_resolved(live_store: Any) -> None:
    consumer = _consumer(live_store)
    t = now()
    iid = "9449a17e-0a7b-4d99-962c-c7fbe49bbd5d"
    consumer.handle(event([incident(iid, t, "Reported")]))
    assert [i["status"] for i in json.loads(consumer.store.incidents())] == ["Reported"]
    cursor = consumer.store.snapshot().cursor
    consumer.handle(event([incident(iid, t + timedelta(seconds=5), "Resolved")]))
    consumer.handle(event([incident(iid, t + timedelta(seconds=2), "Active")]))  # late
    assert consumer.store.incidents() == "[]"
    changes = json.loads(consumer.store.changes(cursor).incidents_json)
    assert [i["status"] for i in changes] == ["Resolved"]


def test_a_silent_vehicle_expires_into_removed(live_store: Any) -> None:
    consumer = _consumer(live_store, silence_s=2)
    t = datetime.now(UTC)
    consumer.handle(event([fix("quiet", t - timedelta(seconds=1), 1.0, 1.0)]))
    report = consumer.handle(event([fix("old", t - timedelta(seconds=60), 1.0, 1.0)]))
    assert (report.written, report.stale) == (0, 1)
    assert sorted(_states(consumer.store)) == ["quiet"]  # "old" was never live
    cursor = consumer.store.snapshot().cursor
    time.sleep(1.5)  # "quiet"'s newest event is now 2.5 s old
    changes = consumer.store.changes(cursor)
    assert changes.removed == ["quiet"] and _states(consumer.store) == {}
    assert consumer.store.vehicle("quiet") is None


def test_a_bbox_selects_exactly_the_vehicles_inside(live_store: Any) -> None:
    consumer = _consumer(live_store)
    t = now()
    grid = [fix(f"v{x}_{y}", t, y / 10, x / 10) for x in range(-20, 21) for y in range(-20, 21)]
    consumer.handle(event(grid))
    box = BBox(-0.55, -1.05, 0.95, 0.25)
    got = {v["vehicle_id"] for v in json.loads(consumer.store.snapshot(box).vehicles_json)}
    want = {f"v{x}_{y}" for x in range(-5, 10) for y in range(-10, 3)}
    assert got == want


def test_an_incident_not_heard_from_is_dropped(live_store: Any) -> None:
    consumer = _consumer(live_store, incident_ttl_s=2)
    t = datetime.now(UTC)
    consumer.handle(event([incident("9449a17e-0a7b-4d99-962c-c7fbe49bbd5d", t, "Active")]))
    consumer.handle(
        event(
            [incident("0c7e9a52-3b1d-4f8e-a6c2-9d4b7e1f3a25", t - timedelta(seconds=1), "Active")]
        )
    )
    assert len(json.loads(consumer.store.incidents())) == 2
    time.sleep(1.5)  # the second one's newest event is now 2.5 s old
    ids = [i["incident_id"] for i in json.loads(consumer.store.incidents())]
    assert ids == ["9449a17e-0a7b-4d99-962c-c7fbe49bbd5d"]


def _state(topic: str, message: dict[str, Any]) -> Any:
    """A message's coalesced state (one vehicle, one batch), as the consumer makes it."""
    (state,) = coalesced((topic, message)).vehicles.values()
    return state


def test_a_vehicle_given_twice_in_one_call_keeps_the_newer_state(live_store: Any) -> None:
    """The consumer coalesces, so a vehicle comes once a call; the script still compares a
    second state with the first one it wrote."""
    t = now()
    old = _state(*fix("v1", t, 1.0, 1.0))
    new = _state(*fix("v1", t + timedelta(seconds=1), 2.0, 2.0))
    for n, states in enumerate(([old, new], [new, old])):
        store = live_store(prefix=f"twice{n}-{t.timestamp():.0f}")
        result = store.write(states)
        assert (result.written, result.older) == ((2, 0) if states[0] is old else (1, 1))
        assert _states(store)["v1"]["latitude"] == 2.0
        _, trail = store.vehicle("v1") or ("", "")
        assert [p["latitude"] for p in json.loads(trail)][-1] == 2.0


def test_a_vehicle_beyond_the_geo_index_latitudes_is_kept_and_found(live_store: Any) -> None:
    """The geo index takes latitudes up to about 85.05 degrees: the writer clamps the
    index's copy, the state keeps its own, and a box search still finds the vehicle,
    whether the box crosses the index's limit or lies wholly beyond it."""
    consumer = _consumer(live_store)
    t = now()
    fixes = [fix("north", t, 89.5, 10.0), fix("south", t, -86.0, 10.0)]
    report = consumer.handle(event([*fixes, fix("equator", t, 0.5, 10.0)]))
    assert report.written == 3
    states = _states(consumer.store)
    assert states["north"]["latitude"] == 89.5 and states["south"]["latitude"] == -86.0

    def found(*box: float) -> list[str]:
        snapshot = consumer.store.snapshot(BBox(*box))
        return sorted(v["vehicle_id"] for v in json.loads(snapshot.vehicles_json))

    assert found(9.0, -10.0, 11.0, 10.0) == ["equator"]
    assert found(9.0, 80.0, 11.0, 90.0) == ["north"]  # crosses the limit
    assert found(9.0, 86.0, 11.0, 90.0) == ["north"]  # wholly beyond it
    assert found(9.0, 89.6, 11.0, 90.0) == []  # beyond it, and the vehicle is not inside
    assert found(9.0, -90.0, 11.0, -85.5) == ["south"]
    assert found(11.5, -90.0, 12.0, 90.0) == []  # the index's band, another longitude


def test_only_states_newer_than_the_stored_ones_are_sent(live_store: Any) -> None:
    store = live_store()
    t = now() - timedelta(seconds=30)
    stored = coalesced(fix("v1", t, 1.0, 1.0), fix("v2", t, 2.0, 2.0))
    store.write(stored.vehicles.values())
    offered = coalesced(
        fix("v1", t - timedelta(seconds=1), 9.0, 9.0),  # older
        fix("v2", t + timedelta(seconds=1), 8.0, 8.0),  # newer
        fix("v3", t, 7.0, 7.0),  # not stored yet
    )
    at_once = coalesced(fix("v1", t, 6.0, 6.0, topic="gps_data"))  # same time, lower rank
    kept, keys = store.unbeaten([*offered.vehicles.values(), *at_once.vehicles.values()])
    assert [v.vehicle_id for v in kept] == ["v2", "v3"]
    assert keys == order_keys(kept)
    assert store.unbeaten(list(stored.vehicles.values())) == ([], [])  # a duplicate
    # the write script still decides: a state read as unbeaten loses to one stored since
    store.write([coalesced(fix("v3", t + timedelta(seconds=5), 5.0, 5.0)).vehicles["v3"]])
    result = store.write([v for v in kept if v.vehicle_id == "v3"])
    assert (result.written, result.older) == (0, 1)
    assert _states(store)["v3"]["latitude"] == 5.0
