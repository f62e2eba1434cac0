"""functions/msk_topics invoked in-process with events/msk_topics_create.json.

``kafka:GetBootstrapBrokers`` is stubbed with botocore's Stubber (moto lacks it); topic
creation is recorded by TopicRecorder (tests/aws/test_msk_topics.py) instead of reaching a
cluster in a VPC.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from tests.aws.cfn_server import CfnResponses
from tests.aws.lambda_support import (
    REGION,
    LambdaContext,
    load_event,
    load_handler,
)
from tests.aws.test_msk_topics import BOOTSTRAP, TopicRecorder
from vts.aws.msk_topics import MskTopics


def test_create_reports_the_bootstrap_servers_and_creates_the_topics_stubbed(
    aws_env: None,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
    cfn_responses: CfnResponses,
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "vts-msk-topics")
    handler = load_handler("msk_topics")
    event = load_event("msk_topics_create.json", ResponseURL=cfn_responses.url)
    kafka = boto3.client("kafka", region_name=REGION)
    stub = Stubber(kafka)
    stub.add_response(
        "get_bootstrap_brokers",
        {"BootstrapBrokerStringSaslIam": BOOTSTRAP},
        {"ClusterArn": event["ResourceProperties"]["ClusterArn"]},
    )
    recorder = TopicRecorder()
    handler.lambda_handler.client.instance = kafka  # the container's cached client
    handler.lambda_handler.resource = lambda client: MskTopics(client, recorder)

    with stub:
        result = handler.lambda_handler(event, LambdaContext())

    body = cfn_responses.only()["body"]
    assert result == body
    assert body["Status"] == "SUCCESS"
    assert body["Data"] == {"BootstrapServers": BOOTSTRAP}
    (call,) = recorder.calls
    assert call["names"] == event["ResourceProperties"]["Topics"]
    assert (call["partitions"], call["region"]) == (6, "us-east-1")
