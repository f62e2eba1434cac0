"""What the store is sent of a batch's states: each part as ``VehicleState`` gives it alone,
whether it is encoded a state at a time or a chunk at once."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest

from tests.live.messages import coalesced, fix
from vts.live.coalesce import Coalescer
from vts.live.states import (
    VehicleState,
    micros,
    number_texts,
    order_keys,
    time_text,
    trail_member,
    trail_point,
    trails_texts,
)

T = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
NOW = T + timedelta(minutes=1)
PARIS = timezone(timedelta(hours=2))


def _coalesced(*messages: tuple[str, dict[str, Any]]) -> Coalescer:
    return coalesced(*messages, at=NOW)


def _trails(c: Coalescer) -> list[str | list[str]]:
    return trails_texts(list(c.vehicles.values()))


def _served(member: str) -> dict[str, Any]:
    """A stored trail member as the API serves it."""
    return dict(json.loads(msgspec.json.encode(trail_point(member))))


def test_a_one_point_trail_goes_as_its_speed_and_its_member_serves_the_point() -> None:
    """The write script makes a one-point trail's member from the state's time and
    position and the speed sent; the same member as ``trail_member`` makes it serves the
    point exactly, to the microsecond, and without a speed."""
    c = _coalesced(
        fix("a", T, 1.25, -0.5, speed=12.5),
        fix("b", T + timedelta(seconds=1), -33.9, 151.2, topic="gps_data", speed=0.0),
        fix("c", T + timedelta(microseconds=7), 0.0, 1e-7, speed=0.1),
    )
    assert _trails(c) == ["12.5", "0.0", "0.1"]
    member = c.vehicles["a"].trail_members()[0][1]
    assert member == trail_member(micros(T), "-0.5", "1.25", "12.5")
    assert _served(member) == {
        "ts": "2024-06-01T12:00:00Z",
        "latitude": 1.25,
        "longitude": -0.5,
        "speed_kmh": 12.5,
    }
    ((t_us, member),) = c.vehicles["c"].trail_members()
    assert _served(member)["ts"] == "2024-06-01T12:00:00.000007Z"
    assert _served(member)["latitude"] == 0.0 and _served(member)["longitude"] == 1e-7
    assert _served(trail_member(t_us, "1", "2", "null"))["speed_kmh"] is None


def test_a_time_given_with_an_offset_is_stored_and_served_in_utc() -> None:
    at = T.astimezone(PARIS)
    topic, message = fix("a", T, 1.0, 2.0)
    message["ts"] = at.isoformat()  # 14:00:00+02:00
    c = _coalesced((topic, message))
    (v,) = c.vehicles.values()
    assert order_keys([v])[0].startswith(time_text(micros(T)))
    assert _served(v.trail_members()[0][1])["ts"] == "2024-06-01T12:00:00Z"


def test_trails_of_several_points_go_as_time_member_pairs_beside_one_point_ones() -> None:
    c = _coalesced(
        fix("a", T, 1.0, 1.0),
        fix("a", T + timedelta(seconds=2), 2.0, 2.0),
        fix("b", T, 3.0, 3.0, speed=4.5),
    )
    several, one = _trails(c)
    assert isinstance(several, list) and one == "4.5"
    assert several[0::2] == [time_text(micros(T)), time_text(micros(T) + 2_000_000)]
    assert [_served(m)["latitude"] for m in several[1::2]] == [1.0, 2.0]


@pytest.mark.parametrize(
    "values", [[], [0.0], [-0.0, 1e-7, 0.00001, 51.477248, -180.0, 89.99999999999999]]
)
def test_numbers_as_text_read_back_exactly(values: list[float]) -> None:
    texts = number_texts(values)
    assert len(texts) == len(values)
    assert [float(t) for t in texts] == values


def test_order_keys_sort_as_the_keys_they_stand_for() -> None:
    """The store compares states by their order keys' texts: that must be the order of
    ``(time, rank, event_id)``, across the contract's whole range of times (15 digits of
    microseconds in 2000, 16 since 2001) and event_ids in either case."""
    rng = random.Random(3)  # noqa: S311
    times = [
        micros(datetime(2000, 1, 1, tzinfo=UTC)),
        micros(datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)),
    ]
    times += [times[1] - 1, micros(T), micros(T) + 1, micros(datetime(2286, 1, 1, tzinfo=UTC))]
    ids = ["00000000-0000-4000-8000-000000000000", "ffffffff-0000-4000-8000-000000000000"]
    ids += ["FFFFFFFF-0000-4000-8000-000000000000", "aaaaaaaa-0000-4000-8000-00000000000A"]
    states = [
        VehicleState(
            "v", datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=t), rank, e, None, ""
        )
        for t in times
        for rank in (0, 1)
        for e in ids
    ]
    rng.shuffle(states)
    keys = dict(zip(map(id, states), order_keys(states), strict=True))
    assert sorted(states, key=lambda v: keys[id(v)]) == sorted(states, key=lambda v: v.key)
    assert {len(k) for k in keys.values()} == {55}
    assert all(k.startswith(time_text(v.t_us)) for v, k in zip(states, keys.values(), strict=True))
