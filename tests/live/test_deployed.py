"""The live consumer as the Lambda runs it (``vts.live.deployed``): reference tables from the
data bucket, alerts to the stack's event bus, the schedule's sweep.

S3, EventBridge and SQS are moto's server (a mock of AWS over real HTTP); the store is a
real redis-server. A rule on the bus sends the alerts to an SQS queue, where the test
reads what was delivered, as the stack's rule sends them to the alarm topic.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from simulator.outputs.reference import road_table, write_reference
from tests.live.messages import event, fix, now
from vts.live.deployed import SWEEP_EVENT, LiveFunction
from vts.live.eventbridge import SOURCE, EventBridgePublisher
from vts.live.exceptions import LiveReferenceError
from vts.live.reference import LIVE_FILES, LiveReference, write_live_copy
from vts.rules.params import DEFAULT_PARAMS as P

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def live_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The city's reference tables in their live form, as the build writes them."""
    lake = tmp_path_factory.mktemp("reference")
    write_reference("city", lake)
    write_live_copy(lake, lake / "live")
    return lake / "live"


def _upload(s3: Any, bucket: str, folder: Path) -> str:
    for file_name in LIVE_FILES.values():
        s3.put_object(
            Bucket=bucket, Key=f"reference/{file_name}", Body=(folder / file_name).read_bytes()
        )
    return f"s3://{bucket}/reference/"


class Counting:
    """An S3 client that counts the objects it transfers."""

    def __init__(self, s3: Any) -> None:
        self.s3, self.bodies = s3, 0

    def get_object(self, **kw: Any) -> Any:
        reply = self.s3.get_object(**kw)
        self.bodies += 1
        return reply


def test_the_live_copy_is_read_once_and_again_only_when_it_changed_moto(
    moto_server: Any, s3_bucket: str, live_copy: Path
) -> None:
    s3 = moto_server.client("s3")
    location = _upload(s3, s3_bucket, live_copy)
    counting = Counting(s3)
    reference = LiveReference(location, s3=counting, refresh_s=3600)
    ctx = reference.context(P)
    assert ctx.roads is not None and len(ctx.roads.road_id) == len(road_table("city"))
    assert {f.kind for f in ctx.fences} == {"depot", "place", "low_emission_zone", "school_zone"}
    assert reference.context(P) is ctx and counting.bodies == 2  # cached: no request
    reference.refresh_s = 0  # look again: a conditional GET, nothing transferred
    assert reference.context(P) is ctx and counting.bodies == 2
    roads = (live_copy / LIVE_FILES["roads"]).read_text().splitlines()
    s3.put_object(Bucket=s3_bucket, Key="reference/roads.csv", Body="\n".join(roads[:5]) + "\n")
    changed = reference.context(P)
    assert changed is not ctx and changed.roads is not None and len(changed.roads.road_id) == 4


def test_missing_reference_tables_fail_the_batch_before_anything_is_written_moto(
    moto_server: Any, s3_bucket: str, live_store: Any
) -> None:
    store = live_store()
    reference = LiveReference(f"s3://{s3_bucket}/reference/", s3=moto_server.client("s3"))
    function = LiveFunction(store, reference=reference)
    batch = event([fix("V-1", now(), 51.5, -0.12)])
    with pytest.raises(LiveReferenceError, match="reference/roads.csv") as caught:
        function.invoke(batch)
    assert "Scenario" in (caught.value.hint or "")
    assert store.snapshot().count == 0  # nothing written: the mapping retries the batch


def _bus_to_queue(moto_server: Any) -> tuple[str, Any, str]:
    events, sqs = moto_server.client("events"), moto_server.client("sqs")
    bus = f"vts-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=bus)
    url = sqs.create_queue(QueueName=bus)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    pattern = json.dumps({"source": [SOURCE], "detail-type": ["vts alert"]})
    events.put_rule(Name="alerts", EventBusName=bus, EventPattern=pattern)
    events.put_targets(
        Rule="alerts", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn["QueueArn"]}]
    )
    return bus, sqs, url


def _delivered(sqs: Any, url: str) -> list[dict[str, Any]]:
    out = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for m in got:
            out.append(json.loads(m["Body"])["detail"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def test_a_batch_puts_its_alerts_on_the_bus_and_the_schedule_sweeps_moto(
    moto_server: Any, s3_bucket: str, live_store: Any, live_copy: Path
) -> None:
    """PutEvents against moto's EventBridge: what the rule delivers is each alert version
    once; the schedule's sweep event raises nothing when nothing is due."""
    store = live_store()
    location = _upload(moto_server.client("s3"), s3_bucket, live_copy)
    bus, sqs, url = _bus_to_queue(moto_server)
    function = LiveFunction(
        store,
        reference=LiveReference(location, s3=moto_server.client("s3")),
        publisher=EventBridgePublisher(moto_server.client("events"), bus),
    )
    t = now() - timedelta(minutes=1)
    low = [
        fix(f"V-{n}", t + timedelta(seconds=n), 10.0, 10.0, speed=0.0, fuel_level_pct=9.0)
        for n in range(12)  # more than one PutEvents call (10 entries each)
    ]
    done = function.invoke(event(low))
    assert done.report is not None and done.report.written == 12
    assert (done.published, done.publish_failed) == (12, False)
    assert function.invoke(event(low)).published == 0  # the retried batch: nothing new
    swept = function.invoke(SWEEP_EVENT)
    assert swept.report is None and (swept.silent, swept.published) == (0, 0)
    got = _delivered(sqs, url)
    assert sorted(a["vehicle_id"] for a in got) == sorted(f"V-{n}" for n in range(12))
    assert {a["alert"] for a in got} == {"low_fuel"} and all(a["raised"] for a in got)
    assert function.alerts.context.roads is not None  # the city's roads, from the bucket


class Refusing:
    """An EventBridge client whose replies refuse some entries (``FailedEntryCount``), as
    PutEvents does when throttled: the documented reply shape, which moto never sends."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.calls = refusals, []  # type: list[int]

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append(len(Entries))
        results: list[dict[str, Any]] = []
        for n, _ in enumerate(Entries):
            if n % 2 == 0 and self.refusals > 0:
                self.refusals -= 1
                results.append({"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"})
            else:
                results.append({"EventId": uuid.uuid4().hex})
        failed = sum("ErrorCode" in r for r in results)
        return {"FailedEntryCount": failed, "Entries": results}


def test_refused_entries_and_only_they_are_sent_again() -> None:
    client = Refusing(refusals=3)
    publisher = EventBridgePublisher(client, "bus", pause_s=0.0)
    alerts = [{"alert_id": str(n), "alert": "low_fuel"} for n in range(14)]
    publisher.put(alerts)
    # 14 entries: calls of 10 and 4; the first refused 5 of 10 (3 allowed: 3), then 0
    assert client.calls[0] == 10 and client.calls[1] == 3 and client.calls[-1] == 4


def test_entries_still_refused_raise_and_name_the_error() -> None:
    from vts.live.exceptions import PublishError

    publisher = EventBridgePublisher(Refusing(refusals=10**6), "bus", pause_s=0.0)
    with pytest.raises(PublishError, match="ThrottlingException"):
        publisher.put([{"alert_id": "1"}])


def test_a_call_stays_within_putevents_limits() -> None:
    from vts.live.eventbridge import PUT_MAX_BYTES, batches, entry_size

    publisher = EventBridgePublisher(None, "bus")
    big = [publisher.entry({"alert_id": str(n), "pad": "x" * 60_000}) for n in range(9)]
    small = [publisher.entry({"alert_id": str(n)}) for n in range(25)]
    for entries in (big, small):
        calls = batches(entries)
        assert [e for call in calls for e in call] == entries  # all, in order
        assert all(len(c) <= 10 and sum(map(entry_size, c)) <= PUT_MAX_BYTES for c in calls)
    assert [len(c) for c in batches(small)] == [10, 10, 5]
    assert [len(c) for c in batches(big)] == [4, 4, 1]
