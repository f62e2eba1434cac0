"""Coalescing: one state per vehicle and incident per batch, by the store's order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from tests.live.messages import fix, incident
from vts.contract.reader import MessageReader
from vts.live.alerts import incident_spans
from vts.live.coalesce import Coalescer
from vts.live.states import trail_point

T = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NOW = T + timedelta(minutes=1)


def _add(c: Coalescer, *messages: tuple[str, dict[str, Any]]) -> list[bool]:
    kept = []
    for topic, message in messages:
        (reason,), (record,) = MessageReader(topic).read_many([json.dumps(message).encode()], NOW)
        assert reason is None and record is not None
        kept.append(c.add(topic, record))
    return kept


def _trail(c: Coalescer, vehicle_id: str) -> list[float]:
    return [trail_point(m).latitude for _, m in c.vehicles[vehicle_id].trail_members()]


def test_the_newest_fix_of_each_vehicle_wins_in_any_order() -> None:
    fixes = [fix("a", T + timedelta(seconds=s), s, 0.0) for s in (3, 1, 4, 2)]
    fixes += [fix("b", T + timedelta(seconds=s), -s, 0.0) for s in (9, 8)]
    c = Coalescer()
    assert _add(c, *fixes) == [True] * 6
    assert {k: v.record.latitude for k, v in c.vehicles.items()} == {"a": 4.0, "b": -9.0}
    state = json.loads(c.vehicles["a"].state_json())
    assert state["ts"] == "2024-06-01T12:00:04Z" and state["topic"] == "vehicle_data"
    assert "schema_version" not in state and "heading_deg" in state
    assert _trail(c, "a") == [1.0, 2.0, 3.0, 4.0]


def test_at_equal_times_vehicle_data_beats_gps_data_then_the_greater_event_id() -> None:
    t = T + timedelta(seconds=5)
    gps = fix("a", t, 1.0, 1.0, topic="gps_data", event_id="ffffffff-ffff-4fff-8fff-ffffffffffff")
    low = fix("a", t, 2.0, 2.0, event_id="00000000-0000-4000-8000-000000000000")
    high = fix("a", t, 3.0, 3.0, event_id="00000000-0000-4000-8000-000000000001")
    for order in ([gps, low, high], [high, gps, low], [low, high, gps]):
        c = Coalescer()
        _add(c, *order)
        assert c.vehicles["a"].record.latitude == 3.0
        assert _trail(c, "a") == [3.0]


def test_what_the_live_state_has_no_use_for_is_not_kept() -> None:
    c = Coalescer()
    topic, no_position = fix("a", T, 1.0, 1.0, topic="gps_data")
    no_position.update(latitude=None, longitude=None)
    _, none = incident("9449a17e-0a7b-4d99-962c-c7fbe49bbd5d", T, "Reported")
    none["incident_type"] = "None"
    assert _add(c, (topic, no_position), ("emergency_data", none)) == [False, False]
    assert not c.vehicles and not c.incidents


def test_the_newest_event_of_an_incident_wins() -> None:
    iid = "9449a17e-0a7b-4d99-962c-c7fbe49bbd5d"
    c = Coalescer()
    _add(c, incident(iid, T + timedelta(seconds=9), "Resolved"), incident(iid, T, "Active"))
    assert c.incidents[iid].status == "Resolved"
    assert json.loads(c.incidents[iid].state_json())["status"] == "Resolved"


INCIDENT = "9449a17e-0a7b-4d99-962c-c7fbe49bbd5e"


def test_states_carry_event_times_in_utc_iso_8601_with_a_z() -> None:
    """The state, its trail point and an incident show ``ts`` as ISO 8601 in UTC with a
    ``Z`` and microseconds when not 0, whatever offset the message was sent with."""
    cases = {
        "2024-06-01T12:00:00Z": "2024-06-01T12:00:00Z",
        "2024-06-01T12:00:00.5+00:00": "2024-06-01T12:00:00.500000Z",
        "2024-06-01T14:00:00.000006+02:00": "2024-06-01T12:00:00.000006Z",
    }
    for sent, shown in cases.items():
        c = Coalescer()
        topic, message = fix("v1", T, 51.5, -0.1, heading_deg=None)
        _add(c, (topic, {**message, "ts": sent}))
        topic, message = incident(INCIDENT, T, "Active")
        _add(c, (topic, {**message, "ts": sent}))
        state = json.loads(c.vehicles["v1"].state_json())
        assert state["ts"] == shown and state["heading_deg"] is None
        assert "schema_version" not in state and state["topic"] == "vehicle_data"
        ((_, member),) = c.vehicles["v1"].trail_members()
        assert json.loads(msgspec.json.encode(trail_point(member)))["ts"] == shown
        assert json.loads(c.incidents[INCIDENT].state_json())["ts"] == shown


def test_an_incidents_span_starts_at_its_first_report_in_a_batch_not_its_newest() -> None:
    """A batch holding several reports of an incident (a busy or late consumer) keeps the
    newest for the live state, but the live alerts' span begins at the first report and
    ends at the first ``Resolved``, as the reports' span does."""
    c = Coalescer()
    at = [T + timedelta(seconds=s) for s in (0, 60, 120, 180)]
    statuses = ("Reported", "Active", "Resolved", "Resolved")
    _add(c, *[incident(INCIDENT, t, s) for t, s in zip(at, statuses, strict=True)][::-1])
    state = c.incidents[INCIDENT]
    assert state.record.ts == at[3]  # the newest, for the live state
    _, (span,) = incident_spans({}, [state])
    assert (span.active_from, span.active_to) == (at[0].timestamp(), at[2].timestamp())


def test_parts_of_a_batch_absorbed_coalesce_as_the_whole_batch() -> None:
    fixes = [fix("a", T + timedelta(seconds=s), s, 0.0) for s in (3, 1, 4, 2)]
    fixes += [fix("b", T + timedelta(seconds=s), -s, 0.0) for s in (9, 8)]
    fixes.append(fix("a", T + timedelta(seconds=4), 40.0, 0.0, topic="gps_data"))
    whole = Coalescer()
    _add(whole, *fixes)
    first, second = Coalescer(), Coalescer()
    _add(first, *fixes[::2])
    _add(second, *fixes[1::2])
    first.absorb(second)
    assert first.vehicles.keys() == whole.vehicles.keys() == {"a", "b"}
    for vehicle_id, state in whole.vehicles.items():
        assert first.vehicles[vehicle_id].key == state.key
        assert first.vehicles[vehicle_id].state_json() == state.state_json()
        assert _trail(first, vehicle_id) == _trail(whole, vehicle_id)
    assert _trail(first, "a") == [1.0, 2.0, 3.0, 4.0]  # at 4 s vehicle_data beats gps_data
