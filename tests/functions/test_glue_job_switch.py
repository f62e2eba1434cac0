"""functions/glue_job_switch invoked in-process with each events/glue_job_switch_*.json.

Glue is moto (a mock) for starting runs; moto lacks BatchStopJobRun, so the disable event
runs against a client stubbed with botocore's Stubber.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from tests.aws.cfn_server import CfnResponses
from tests.aws.lambda_support import (
    REGION,
    LambdaContext,
    load_event,
    load_handler,
)

JOB = "vts-dev-streaming"  # the job named in the sample events


@pytest.fixture
def handler(
    aws_env: None,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "vts-streaming-switch")
    with mock_aws():
        state_manager.set_transition(
            model_name="glue::job_run", transition={"progression": "manual", "times": 1000}
        )
        boto3.client("glue", region_name=REGION).create_job(
            Name=JOB,
            Role="arn:aws:iam::123456789012:role/glue",
            Command={"Name": "gluestreaming", "ScriptLocation": "s3://b/glue/x/job.py"},
        )
        yield load_handler("glue_job_switch")
        state_manager.unset_transition("glue::job_run")


def test_create_starts_the_streaming_job_moto(
    handler: Any,
    cfn_responses: CfnResponses,
) -> None:
    event = load_event("glue_job_switch_create.json", ResponseURL=cfn_responses.url)
    result = handler.lambda_handler(event, LambdaContext())

    body = cfn_responses.only()["body"]
    assert result == body
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == f"{JOB}/switch"
    runs = boto3.client("glue", region_name=REGION).get_job_runs(JobName=JOB)["JobRuns"]
    assert [r["Id"] for r in runs] == [body["Data"]["RunId"]]


def test_disable_stops_the_running_job_stubbed(
    handler: Any,
    cfn_responses: CfnResponses,
) -> None:
    client = boto3.client("glue", region_name=REGION)
    stub = Stubber(client)
    stub.add_response(
        "get_job_runs",
        {"JobRuns": [{"Id": "jr_1", "JobRunState": "RUNNING"}]},
        {"JobName": JOB, "MaxResults": 50},
    )
    stub.add_response(
        "batch_stop_job_run",
        {"SuccessfulSubmissions": [{"JobName": JOB, "JobRunId": "jr_1"}], "Errors": []},
        {"JobName": JOB, "JobRunIds": ["jr_1"]},
    )
    handler.lambda_handler.client.instance = client  # the container's cached client
    event = load_event("glue_job_switch_disable.json", ResponseURL=cfn_responses.url)
    with stub:
        handler.lambda_handler(event, LambdaContext())
    stub.assert_no_pending_responses()
    body = cfn_responses.only()["body"]
    assert (body["Status"], body["Data"]) == ("SUCCESS", {"RunId": ""})
