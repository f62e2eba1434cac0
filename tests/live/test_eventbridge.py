"""Live alerts to EventBridge: each new version of an alert once (raised, updated while
it lasts, ended), and again only when the publisher died before moving its cursor.
EventBridge and SQS are moto's (a mock, in-process); the store is a real redis-server. A
rule on the bus sends the alerts to an SQS queue, where the test reads what was
delivered."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.live.messages import event, fix, now
from vts.live.alerts import LiveAlerts
from vts.live.consumer import LiveConsumer
from vts.live.eventbridge import SOURCE, EventBridgePublisher, publish_pending
from vts.reference.roadmatch import RoadIndex
from vts.rules.fold import RuleContext
from vts.rules.params import DEFAULT_PARAMS as P

pytestmark = pytest.mark.integration
LAT, LON = 51.5, -0.12


def _delivered(sqs: Any, url: str) -> list[dict[str, Any]]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@mock_aws
def test_each_version_of_an_alert_reaches_the_bus_once(live_store: Any) -> None:
    events, sqs = boto3.client("events", "eu-west-1"), boto3.client("sqs", "eu-west-1")
    events.create_event_bus(Name="vts-alerts")
    url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(
        Name="all", EventBusName="vts-alerts", EventPattern=json.dumps({"source": [SOURCE]})
    )
    events.put_targets(
        Rule="all", EventBusName="vts-alerts", Targets=[{"Id": "q", "Arn": arn["QueueArn"]}]
    )

    store = live_store()
    road = {
        "road_id": "R-1",
        "speed_limit_kmh": 50.0,
        "start_lat": LAT,
        "start_lon": LON,
        "end_lat": LAT,
        "end_lon": LON + 0.2,
    }
    feed = LiveAlerts(store, RuleContext(P, RoadIndex.build([road], 30.0)))
    consumer = LiveConsumer(store, alerts=feed)
    publisher = EventBridgePublisher(events, "vts-alerts")
    t0 = now() - timedelta(minutes=5)
    speeds = [30, 30, 90, 90, 90, 30]  # fast for 30 s: raised, then ended
    sent = []
    for k, kmh in enumerate(speeds):
        ts = t0 + timedelta(seconds=10 * k)
        message = fix(
            "V-1", ts, LAT, LON + 1e-4 * k, speed=float(kmh), heading_deg=90.0, fuel_level_pct=60.0
        )
        consumer.handle(event([message]))
        sent.append(publish_pending(feed, publisher))
    assert publish_pending(feed, publisher) == 0  # nothing new: nothing sent
    got = _delivered(sqs, url)
    # raised once decidable (08:00:30), updated while it lasts, ended (the queue's order is
    # not the bus's: sorted by the alert's end so far, then status)
    got.sort(key=lambda e: (e["detail"]["end_ts"], e["detail"]["status"]))
    assert [e["detail"]["status"] for e in got] == ["active", "active", "ended"]
    assert [e["detail"]["raised"] for e in got] == [True, False, False]  # one raise: email it
    assert len({e["detail"]["alert_id"] for e in got}) == 1 and sent == [0, 0, 0, 1, 1, 1]
    assert all(e["source"] == SOURCE and e["detail"]["alert"] == "overspeed" for e in got)

    # a publisher that died after PutEvents, before moving its cursor, sends them again
    store.client.delete(store.prefix + "apub")
    assert publish_pending(feed, publisher) == 1  # the alert's newest version
    assert [e["detail"]["status"] for e in _delivered(sqs, url)] == ["ended"]
