"""Live alerts in the stack (template.yaml, "Live alerts on AWS"), resolved offline: the
consumer's bus and what it may do there, the optional rule to the alarm topic and who may
publish to that topic, the reference tables it reads, and the sweep's schedule.

The rule's event pattern is also run: moto's EventBridge (a mock, in-process) gets the
rule as the template writes it and the events the publisher builds, and an SQS queue in
the topic's place shows which ones it lets through.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.template.cfn import ACCOUNT, REGION, STACK, Stack, may
from tests.template.scenarios import SCENARIOS
from vts.aws.glue_assets import LIVE_REFERENCE
from vts.live.deployed import SWEEP_EVENT
from vts.live.eventbridge import EventBridgePublisher

ALERT = {"alert_id": "a1", "alert": "overspeed", "vehicle_id": "V-1", "status": "active"}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return Stack(SCENARIOS[request.param])


@pytest.fixture(scope="module")
def emailing() -> Stack:
    return Stack({"LiveAlertsToAlarmTopic": "true", "AlarmEmail": "ops@example.com"})


def _statements(stack: Stack) -> list[tuple[str, dict[str, Any]]]:
    """Every identity-policy statement: (role, statement)."""
    out = []
    for logical, role in stack.of_type("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            out += [(logical, s) for s in policy["PolicyDocument"]["Statement"]]
    for policy in stack.of_type("AWS::IAM::Policy").values():
        for role in policy["Properties"]["Roles"]:
            name = role.removeprefix("{Ref:").removesuffix("}")
            out += [(name, s) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    return out


def _actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def test_only_the_consumer_puts_events_and_only_on_the_stacks_bus(stack: Stack) -> None:
    puts = [(r, s) for r, s in _statements(stack) if "events:PutEvents" in _actions(s)]
    assert [(r, s["Resource"]) for r, s in puts] == [("LiveConsumerRole", "{LiveAlertsBus.Arn}")]
    env = stack.function_env("LiveConsumerFunction")
    assert env["VTS_LIVE_EVENT_BUS"] == "{Ref:LiveAlertsBus}"  # Ref: the bus's name
    assert stack.props("LiveAlertsBus")["Name"] == f"{STACK}-live-alerts"
    assert stack.outputs["LiveAlertsBusName"] == "{Ref:LiveAlertsBus}"


def test_no_rule_to_the_alarm_topic_unless_asked(stack: Stack) -> None:
    assert stack.params["LiveAlertsToAlarmTopic"] == "false"
    assert "LiveAlertsToAlarmTopicRule" not in stack.resources
    topic = stack.props("AlertsTopicPolicy")["PolicyDocument"]["Statement"]
    key = stack.props("DataKey")["KeyPolicy"]["Statement"]
    assert not [s for s in topic + key if "events.amazonaws.com" in json.dumps(s)]


def test_asked_the_rule_sends_each_alert_once_and_only_it_may_publish(emailing: Stack) -> None:
    rule = emailing.props("LiveAlertsToAlarmTopicRule")
    assert rule["EventBusName"] == "{Ref:LiveAlertsBus}" and rule["State"] == "ENABLED"
    assert [t["Arn"] for t in rule["Targets"]] == ["{Ref:AlertsTopic}"]
    arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{STACK}-live-alerts/{rule['Name']}"
    topic = emailing.props("AlertsTopicPolicy")["PolicyDocument"]["Statement"]
    (publish,) = [s for s in topic if "events.amazonaws.com" in json.dumps(s)]
    assert publish["Principal"] == {"Service": "events.amazonaws.com"}
    assert _actions(publish) == ["sns:Publish"] and publish["Resource"] == "{Ref:AlertsTopic}"
    assert publish["Condition"] == {
        "ArnEquals": {"aws:SourceArn": "{LiveAlertsToAlarmTopicRule.Arn}"}
    }
    # the topic is encrypted: the key lets the same rule (by its ARN, spelled out) use it
    key = emailing.props("DataKey")["KeyPolicy"]["Statement"]
    (use,) = [s for s in key if "events.amazonaws.com" in json.dumps(s)]
    assert sorted(_actions(use)) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert use["Condition"] == {"ArnEquals": {"aws:SourceArn": arn}}


@mock_aws
def test_the_rules_pattern_lets_through_each_alerts_first_version_only(emailing: Stack) -> None:
    rule = emailing.props("LiveAlertsToAlarmTopicRule")
    events, sqs = boto3.client("events", REGION), boto3.client("sqs", REGION)
    events.create_event_bus(Name="bus")
    url = sqs.create_queue(QueueName="topic")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name="r", EventBusName="bus", EventPattern=json.dumps(rule["EventPattern"]))
    events.put_targets(
        Rule="r", EventBusName="bus", Targets=[{"Id": "q", "Arn": queue["QueueArn"]}]
    )
    publisher = EventBridgePublisher(events, "bus")
    versions = [
        ALERT | {"raised": True},
        ALERT | {"raised": False, "end_ts": "later"},
        ALERT | {"raised": False, "status": "ended"},
    ]
    publisher.put(versions)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["detail"] for m in got] == [versions[0]]


def test_the_consumer_reads_the_reference_tables_glue_assets_writes_and_nothing_else(
    stack: Stack,
) -> None:
    env = stack.function_env("LiveConsumerFunction")
    assert env["VTS_LIVE_REFERENCE"] == "{GlueAssets.LiveReference}"
    for _, key in LIVE_REFERENCE.values():
        arn = f"{{DataBucket.Arn}}/{key}"
        assert may(stack, "LiveConsumerRole", "s3:GetObject", arn), key
        assert may(stack, "GlueAssetsRole", "s3:PutObject", arn), key
    for elsewhere in ("data/roads/roads.parquet", "data/vehicle_data/x.parquet", "glue/x"):
        assert not may(stack, "LiveConsumerRole", "s3:GetObject", f"{{DataBucket.Arn}}/{elsewhere}")
    reads = [s for r, s in _statements(stack) if r == "LiveConsumerRole" and "s3:" in str(s)]
    assert {a for s in reads for a in _actions(s)} == {"s3:GetObject"}


def test_a_schedule_sweeps_the_silences_every_minute_while_the_pipeline_runs(
    stack: Stack,
) -> None:
    schedule = stack.props("LiveSweepSchedule")
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["State"] == (
        "ENABLED" if stack.params["PipelineEnabled"] == "true" else "DISABLED"
    )
    target = schedule["Target"]
    assert target["Arn"] == "{LiveConsumerFunction.Arn}"
    assert json.loads(target["Input"]) == SWEEP_EVENT
    assert target["RoleArn"] == "{LiveSweepSchedulerRole.Arn}"
    invokes = [s for r, s in _statements(stack) if "lambda:InvokeFunction" in _actions(s)]
    mine = [s for r, s in _statements(stack) if r == "LiveSweepSchedulerRole"]
    assert mine == [s for s in invokes if s["Resource"] == "{LiveConsumerFunction.Arn}"]
    assert [s["Resource"] for s in mine] == ["{LiveConsumerFunction.Arn}"]
