"""The consumer's core on a real redis-server: hostile messages are counted, never fatal;
valid ones coalesce to one write per vehicle."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.contract.edge_messages import messages
from tests.live.messages import event, fix, now
from vts.live.consumer import LiveConsumer
from vts.live.esm import build_event, record_json

pytestmark = pytest.mark.integration


def test_hostile_messages_are_counted_and_never_crash_the_handler(live_store: Any) -> None:
    consumer = LiveConsumer(live_store(silence_s=0))
    corpus = [
        (t, raw) for t, raw in messages() if t in ("vehicle_data", "gps_data", "emergency_data")
    ]
    hostile = [record_json(topic, 0, i, 0, None, raw) for i, (topic, raw) in enumerate(corpus)]
    hostile.append({"topic": "gps_data", "partition": 0, "offset": 1, "value": "%%%"})
    hostile.append({"topic": "weather_data", "partition": 0, "offset": 2, "value": "e30="})
    report = consumer.handle(build_event(hostile))
    assert report.records == len(corpus) + 2
    assert report.valid + report.invalid + 1 == report.records  # the weather record is ignored
    assert report.invalid > 100 and report.reasons["invalid_record"] == 1
    assert report.reasons["invalid_json"] > 0 and report.reasons["out_of_range"] > 0


def test_a_batch_writes_each_vehicle_once_with_its_newest_fix(live_store: Any) -> None:
    store = live_store()
    consumer = LiveConsumer(store)
    t = now() - timedelta(seconds=30)
    batch = [
        fix(f"v{v}", t + timedelta(seconds=s), float(s), v / 10)
        for s in range(20)
        for v in range(300)
    ]
    seq_before = int(store.client.get(store.k["seq"]) or 0)
    report = consumer.handle(event(batch))
    assert (report.valid, report.vehicles, report.written) == (6000, 300, 300)
    assert int(store.client.get(store.k["seq"]) or 0) - seq_before == 300  # one change each
    states = json.loads(store.snapshot().vehicles_json)
    assert len(states) == 300 and {s["latitude"] for s in states} == {19.0}
    assert report.max_record_age_s is not None and report.max_record_age_s < 60


def test_topic_names_carry_the_deployments_prefix(live_store: Any) -> None:
    consumer = LiveConsumer(live_store(topic_prefix="prod."))
    topic, message = fix("v1", now(), 1.0, 2.0)
    report = consumer.handle(event([("prod." + topic, message), (topic, message)]))
    assert (report.valid, report.ignored, report.written) == (1, 1, 1)


def _fixes(vehicles: int, seconds: int) -> list[tuple[str, dict[str, Any]]]:
    """``seconds`` fixes of each of ``vehicles`` vehicles, on both topics in turn (the
    newest at latitude ``seconds - 1``)."""
    t = now() - timedelta(seconds=30)
    return [
        fix(
            f"v{v}",
            t + timedelta(seconds=s),
            float(s),
            v / 100,
            topic=("vehicle_data", "gps_data")[s % 2],
        )
        for s in range(seconds)
        for v in range(vehicles)
    ]


def _counting_writes(store: Any) -> list[int]:
    """The vehicles of each write ``store`` is asked to prepare, from now on."""
    writes: list[int] = []
    prepare = store.prepare

    def counting(vehicles: Any, *args: Any, **kw: Any) -> Any:
        writes.append(len(vehicles))
        return prepare(vehicles, *args, **kw)

    store.prepare = counting
    return writes


def test_a_large_batch_is_written_in_parts_still_once_per_vehicle(live_store: Any) -> None:
    from vts.live.consumer import GROUP_ABOVE, GROUPS

    store = live_store()
    consumer = LiveConsumer(store)
    writes = _counting_writes(store)
    # keyed by vehicle, as the producers key them: a vehicle's records of both topics are
    # in partitions of one number, so each vehicle is in one part
    report = consumer.handle(event(_fixes(GROUP_ABOVE, 4), partitions=2 * GROUPS))
    consumer.close()
    assert len(writes) == GROUPS and sum(writes) == GROUP_ABOVE == report.written
    assert report.vehicles == GROUP_ABOVE
    assert {s["latitude"] for s in json.loads(store.snapshot().vehicles_json)} == {3.0}


def test_keys_that_do_not_name_vehicles_stop_the_parts_and_lose_nothing(
    live_store: Any,
) -> None:
    from vts.live.consumer import GROUP_ABOVE, GROUPS

    store = live_store()
    consumer = LiveConsumer(store)
    writes = _counting_writes(store)
    # the tutorial's random keys spread a vehicle over every partition: the first batch
    # finds it out after its first part, writes the rest as one part (a vehicle of the
    # first part once more), and the consumer splits no batch again
    first = consumer.handle(event(_fixes(GROUP_ABOVE, 4), partitions=GROUPS, random_keys=True))
    assert len(writes) == 2 and first.vehicles == GROUP_ABOVE < sum(writes)
    assert {s["latitude"] for s in json.loads(store.snapshot().vehicles_json)} == {3.0}
    writes.clear()
    second = consumer.handle(event(_fixes(GROUP_ABOVE, 6), partitions=GROUPS, random_keys=True))
    consumer.close()
    assert writes == [GROUP_ABOVE] and second.written == GROUP_ABOVE
    assert {s["latitude"] for s in json.loads(store.snapshot().vehicles_json)} == {5.0}
