"""What the store is sent of a batch's states: each part as ``VehicleState`` gives it alone,
whether it is encoded a state at a time or a chunk at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.live.messages import fix
from vts.contract.reader import MessageReader
from vts.live.coalesce import Coalescer
from vts.live.states import micros, number_texts, trails_texts

T = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NOW = T + timedelta(minutes=1)
PARIS = timezone(timedelta(hours=2))


def _coalesced(*messages: tuple[str, dict[str, Any]]) -> Coalescer:
    c = Coalescer()
    for topic, message in messages:
        (reason,), (record,) = MessageReader(topic).read_many([json.dumps(message).encode()], NOW)
        assert reason is None
        c.add(topic, record)
    return c


def _one_state_trails(c: Coalescer) -> list[list[str]]:
    states = list(c.vehicles.values())
    return trails_texts(states, [str(micros(v.ts)) for v in states])


def test_one_point_trails_encoded_at_once_are_each_states_own() -> None:
    c = _coalesced(
        fix("a", T, 1.25, -0.5, speed=12.5),
        fix("b", T + timedelta(seconds=1), -33.9, 151.2, topic="gps_data"),
        fix("c", T + timedelta(microseconds=7), 0.0, 1e-7, speed=0.0),
    )
    trails = _one_state_trails(c)
    assert trails == [v.trail_texts() for v in c.vehicles.values()]
    first = json.loads(trails[0][1])
    assert first == {"ts": "2024-06-01T12:00:00Z", "latitude": 1.25, "longitude": -0.5,
                     "speed_kmh": 12.5}  # fmt: skip
    assert trails[2][0] == str(micros(T) + 7)


def test_a_time_given_with_an_offset_is_sent_in_utc_either_way() -> None:
    at = T.astimezone(PARIS)
    topic, message = fix("a", T, 1.0, 2.0)
    message["ts"] = at.isoformat()  # 14:00:00+02:00
    c = _coalesced((topic, message))
    assert json.loads(_one_state_trails(c)[0][1])["ts"] == "2024-06-01T12:00:00Z"
    assert _one_state_trails(c) == [c.vehicles["a"].trail_texts()]


def test_trails_of_several_points_go_a_state_at_a_time() -> None:
    c = _coalesced(
        fix("a", T, 1.0, 1.0),
        fix("a", T + timedelta(seconds=2), 2.0, 2.0),
        fix("b", T, 3.0, 3.0),
    )
    trails = _one_state_trails(c)
    assert trails == [v.trail_texts() for v in c.vehicles.values()]
    assert [json.loads(p)["latitude"] for p in trails[0][1::2]] == [1.0, 2.0]


@pytest.mark.parametrize(
    "values", [[], [0.0], [-0.0, 1e-7, 0.00001, 51.477248, -180.0, 89.99999999999999]]
)
def test_numbers_as_text_read_back_exactly(values: list[float]) -> None:
    texts = number_texts(values)
    assert len(texts) == len(values)
    assert [float(t) for t in texts] == values
