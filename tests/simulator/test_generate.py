"""Events are a pure function of (scenario, seed, window, shard), and they keep the contract."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from simulator import EventBatch, generate
from simulator.exceptions import BadWindowError, UnknownScenarioError
from simulator.outputs.truth import truth
from tests.simulator.conftest import SEED, START
from vts.contract.events import event_type
from vts.contract.topics import TOPIC_NAMES, topic
from vts.contract.validate import check, violations

# an awkward start (not on a minute) and a span that catches every kind of event
ODD_START = datetime(2024, 3, 1, 10, 0, 17, 250_000, tzinfo=UTC)
SPAN_S = 1_200.0
VEHICLES = 120


def _encoded(batches: dict[str, EventBatch]) -> dict[str, bytes]:
    return {t: b.to_json_bytes() for t, b in batches.items()}


@pytest.fixture(scope="module")
def span() -> dict[str, EventBatch]:
    return generate("city", SEED, ODD_START, SPAN_S, vehicles=VEHICLES)


def test_every_topic_has_events(span: dict[str, EventBatch]) -> None:
    assert list(span) == list(TOPIC_NAMES)
    assert all(len(b) > 0 for b in span.values()), {t: len(b) for t, b in span.items()}


def test_the_same_window_gives_identical_events(span: dict[str, EventBatch]) -> None:
    again = generate("city", SEED, ODD_START, SPAN_S, vehicles=VEHICLES)
    assert _encoded(again) == _encoded(span)


def test_another_seed_gives_other_events(span: dict[str, EventBatch]) -> None:
    other = generate("city", SEED + 1, ODD_START, 60, vehicles=VEHICLES)
    ids = set(span["vehicle_data"].event_ids.tolist())
    assert not ids & set(other["vehicle_data"].event_ids.tolist())


@pytest.mark.parametrize("cut_s", [0.5, 600.0, 1_034.567])
def test_consecutive_windows_compose(span: dict[str, EventBatch], cut_s: float) -> None:
    first = generate("city", SEED, ODD_START, cut_s, vehicles=VEHICLES)
    second = generate(
        "city", SEED, ODD_START + timedelta(seconds=cut_s), SPAN_S - cut_s, vehicles=VEHICLES
    )
    for t in TOPIC_NAMES:
        assert first[t].to_json_bytes() + second[t].to_json_bytes() == span[t].to_json_bytes(), t


def test_shards_partition_the_fleet(span: dict[str, EventBatch]) -> None:
    shards = [
        generate("city", SEED, ODD_START, SPAN_S, shard=i, shard_count=3, vehicles=VEHICLES)
        for i in range(3)
    ]
    for t in TOPIC_NAMES:
        whole = span[t].to_json_lines()
        parts = [s[t].to_json_lines() for s in shards]
        ids = [set(s[t].event_ids.tolist()) for s in shards]
        assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2]), t
        assert sorted(parts[0] + parts[1] + parts[2]) == sorted(whole), t
    # each shard has its own vehicles
    vehicles = [set(s["vehicle_data"].columns["vehicle_id"].tolist()) for s in shards]
    assert all(vehicles) and not vehicles[0] & vehicles[1]


def test_event_ids_are_unique_canonical_uuids(span: dict[str, EventBatch]) -> None:
    all_ids = np.concatenate([b.event_ids for b in span.values()])
    assert len(set(all_ids.tolist())) == all_ids.size
    for text in all_ids[:: max(1, all_ids.size // 2000)].astype(str):
        assert text[14] == "8" and text[19] in "89ab"  # version 8, RFC 9562 variant


def test_every_event_passes_the_contract_validator(
    city_window: dict[str, EventBatch], long_window: dict[str, EventBatch]
) -> None:
    now = datetime.now(UTC)
    for batches in (city_window, long_window):
        for t, batch in batches.items():
            et = event_type(t)
            assert len(batch) > 0, t
            for record in batch.to_records():
                check(et, record, now=now)


def test_json_lines_decode_to_the_records(city_window: dict[str, EventBatch]) -> None:
    for t, batch in city_window.items():
        lines = batch.to_json_lines()
        assert len(lines) == len(batch)
        assert [json.loads(line) for line in lines] == batch.to_records(), t


def test_keys_are_the_topic_entity(span: dict[str, EventBatch]) -> None:
    for t, batch in span.items():
        assert np.array_equal(batch.keys, batch.columns[topic(t).key_field]), t


def test_events_are_in_time_order_per_topic(span: dict[str, EventBatch]) -> None:
    for t, batch in span.items():
        ts = batch.columns["ts"]
        assert np.all(ts[1:] >= ts[:-1]), t


def test_events_fall_inside_their_window(span: dict[str, EventBatch]) -> None:
    lo = ODD_START.isoformat(timespec="milliseconds").replace("+00:00", "Z").encode()
    end = ODD_START + timedelta(seconds=SPAN_S)
    hi = end.isoformat(timespec="milliseconds").replace("+00:00", "Z").encode()
    for t, batch in span.items():
        ts = batch.columns["ts"].tolist()
        assert min(ts) >= lo and max(ts) < hi, t


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window_start": datetime(2024, 3, 1, 10)}, "no time zone"),
        ({"window_start": datetime(2023, 12, 31, tzinfo=UTC)}, "before"),
        ({"window_seconds": 0}, "positive"),
        ({"window_seconds": 1.0001}, "milliseconds"),
        ({"shard": 3, "shard_count": 3}, "shard 3"),
        ({"vehicles": 0}, "at least 1"),
        ({"tick_seconds": 0.0}, "tick_seconds"),
    ],
)
@pytest.mark.parametrize("make", [generate, truth], ids=["events", "truth"])
def test_bad_windows_are_refused_with_a_hint(
    kwargs: dict[str, object], message: str, make: Callable[..., object]
) -> None:
    """The events and their truth check a span with one rule (``shard_span``)."""
    args: dict[str, object] = {
        "scenario": "city",
        "seed": 1,
        "window_start": START,
        "window_seconds": 10,
        "vehicles": 5,
    }
    args.update(kwargs)
    with pytest.raises(BadWindowError) as info:
        make(**args)
    text = str(info.value)
    assert message in text and "what to do" in text


def test_unknown_scenario() -> None:
    with pytest.raises(UnknownScenarioError, match="city"):
        generate("atlantis", 1, START, 10)


def test_other_scenario_and_tick() -> None:
    batches = generate("town", 3, START, 20, vehicles=10, tick_seconds=0.5)
    assert len(batches["vehicle_data"]) == 10 * 40
    now = datetime.now(UTC)
    for t, batch in batches.items():
        for record in batch.to_records():
            assert violations(event_type(t), record, now=now) == []
