"""MSK Serverless bootstrap look-up and topic creation by ``Custom::MskTopics``.

moto has no ``kafka:GetBootstrapBrokers``, so it is stubbed with botocore's Stubber (which
validates requests and responses against the real API model). Creating topics is the
shared ``vts.kafka.admin.create_topics`` (tested against a real broker with its module);
here a recorder stands in for it to check what the resource asks for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

import vts.kafka.admin
from tests.aws.lambda_support import REGION, resource_request
from vts.aws.cfn_response import CustomResourceRequest
from vts.aws.custom_resource import Deadline
from vts.aws.exceptions import InvalidPropertyError
from vts.aws.msk_topics import MskTopics, create_msk_topics
from vts.exceptions import TerminalError
from vts.kafka.auth.msk_iam import MskIamAuth

CLUSTER = (
    "arn:aws:kafka:us-east-1:123456789012:cluster/vts-kafka/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-s1"
)
BOOTSTRAP = "boot-abc.c1.kafka-serverless.us-east-1.amazonaws.com:9098"
TOPICS = ["vehicle_data", "gps_data", "traffic_data", "weather_data", "emergency_data"]


class TopicRecorder:
    """Stands in for create_msk_topics: remembers the call, reports topics as created."""

    def __init__(self, existing: Iterable[str] = ()) -> None:
        self.existing = set(existing)
        self.calls: list[dict[str, Any]] = []

    def __call__(
        self, bootstrap: str, names: Iterable[str], *, partitions: int, region: str
    ) -> dict[str, bool]:
        names = list(names)
        self.calls.append(
            {"bootstrap": bootstrap, "names": names, "partitions": partitions, "region": region}
        )
        return {name: name not in self.existing for name in names}


def request(**props: Any) -> CustomResourceRequest:
    properties = {"ClusterArn": CLUSTER, "Topics": TOPICS, "Partitions": "6", "Region": REGION}
    return resource_request("Create", "MskTopics", "Custom::MskTopics", {**properties, **props})


def stubbed_kafka(reply: dict[str, Any]) -> tuple[Any, Stubber]:
    kafka = boto3.client("kafka", region_name=REGION)
    stub = Stubber(kafka)
    stub.add_response("get_bootstrap_brokers", reply, {"ClusterArn": CLUSTER})
    return kafka, stub


def test_create_reports_the_iam_bootstrap_and_asks_for_the_topics_stubbed(
    aws_env: None,
) -> None:
    kafka, stub = stubbed_kafka({"BootstrapBrokerStringSaslIam": BOOTSTRAP})
    recorder = TopicRecorder(existing={"vehicle_data"})
    with stub:
        outcome = MskTopics(kafka, recorder).create(request(), Deadline.after(30))
    stub.assert_no_pending_responses()
    assert outcome.data == {"BootstrapServers": BOOTSTRAP}
    assert recorder.calls == [
        {"bootstrap": BOOTSTRAP, "names": TOPICS, "partitions": 6, "region": REGION}
    ]
    assert "vehicle_data" not in outcome.reason.split("created")[1].split("topics")[0]


def test_a_cluster_without_iam_auth_is_a_terminal_error_stubbed(
    aws_env: None,
) -> None:
    kafka = boto3.client("kafka", region_name=REGION)
    stub = Stubber(kafka)
    stub.add_response("get_bootstrap_brokers", {"BootstrapBrokerStringTls": "b:9094"})
    recorder = TopicRecorder()
    with stub, pytest.raises(TerminalError, match="no IAM"):
        MskTopics(kafka, recorder).create(request(), Deadline.after(30))
    assert recorder.calls == []


@pytest.mark.parametrize(
    "props",
    [{"ClusterArn": "arn:aws:kafka:us-east-1:1:cluster/x"}, {"Topics": "vehicle_data"}],
)
def test_malformed_properties_are_rejected_before_any_call(
    aws_env: None,
    props: dict[str, Any],
) -> None:
    kafka = boto3.client("kafka", region_name=REGION)
    with Stubber(kafka), pytest.raises(InvalidPropertyError):
        MskTopics(kafka, TopicRecorder()).create(request(**props), Deadline.after(30))


def test_topics_are_created_over_msk_iam_with_the_clusters_replication(
    aws_env: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake_create_topics(bootstrap: str, names: Iterable[str], **kwargs: Any) -> dict[str, bool]:
        calls.append((bootstrap, list(names), kwargs))
        return dict.fromkeys(names, True)

    monkeypatch.setattr(vts.kafka.admin, "create_topics", fake_create_topics)
    result = create_msk_topics(BOOTSTRAP, TOPICS, partitions=6, region="eu-west-1")
    assert result == dict.fromkeys(TOPICS, True)
    ((bootstrap, names, kwargs),) = calls
    assert (bootstrap, names) == (BOOTSTRAP, TOPICS)
    assert kwargs["partitions"] == 6
    assert kwargs["replication_factor"] == -1
    assert isinstance(kwargs["auth"], MskIamAuth)
    assert kwargs["auth"].region == "eu-west-1"
