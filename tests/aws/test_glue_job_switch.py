"""The streaming job's on/off switch.

Starting and listing runs go to moto's Glue (a mock). moto does not implement
``BatchStopJobRun``, so the stop paths use botocore's Stubber, which checks each request
against the real Glue API model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.moto_api import state_manager

from tests.aws.lambda_support import REGION, resource_request
from vts.aws.cfn_response import CustomResourceRequest, RequestType
from vts.aws.custom_resource import Deadline
from vts.aws.exceptions import DeadlineExceededError, InvalidPropertyError
from vts.aws.glue_job_switch import GlueStreamingSwitch

JOB = "vts-test-streaming"


@pytest.fixture
def glue(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        # A streaming run stays RUNNING until stopped; keep moto's runs from "finishing".
        state_manager.set_transition(
            model_name="glue::job_run", transition={"progression": "manual", "times": 1000}
        )
        client = boto3.client("glue", region_name=REGION)
        client.create_job(
            Name=JOB,
            Role="arn:aws:iam::123456789012:role/glue",
            Command={"Name": "gluestreaming", "ScriptLocation": "s3://b/glue/x/job.py"},
            ExecutionProperty={"MaxConcurrentRuns": 1},
        )
        yield client
        state_manager.unset_transition("glue::job_run")


def request(
    kind: RequestType, enabled: str, old: dict[str, Any] | None = None, **props: Any
) -> CustomResourceRequest:
    return resource_request(
        kind,
        "StreamingSwitch",
        "Custom::GlueStreamingSwitch",
        {"JobName": JOB, "Enabled": enabled, "CodeVersion": "aaaa", **props},
        old_properties=old or {},
        physical_resource_id=None if kind == "Create" else f"{JOB}/switch",
    )


def test_enabled_starts_one_run_and_a_repeat_keeps_it_moto(glue: Any) -> None:
    switch = GlueStreamingSwitch(glue)
    first = switch.create(request("Create", "true"), Deadline.after(30))
    runs = glue.get_job_runs(JobName=JOB)["JobRuns"]
    assert [r["Id"] for r in runs] == [first.data["RunId"]]

    again = switch.update(
        request("Update", "true", old={"JobName": JOB, "Enabled": "true", "CodeVersion": "aaaa"}),
        Deadline.after(30),
    )
    assert again.data["RunId"] == first.data["RunId"]
    assert len(glue.get_job_runs(JobName=JOB)["JobRuns"]) == 1


def test_disabled_create_starts_nothing_moto(glue: Any) -> None:
    outcome = GlueStreamingSwitch(glue).create(request("Create", "false"), Deadline.after(30))
    assert glue.get_job_runs(JobName=JOB)["JobRuns"] == []
    assert outcome.data == {"RunId": ""}


def runs(*states: str) -> dict[str, Any]:
    return {"JobRuns": [{"Id": f"jr_{i}", "JobRunState": s} for i, s in enumerate(states)]}


def stubbed() -> tuple[Any, Stubber]:
    client = boto3.client("glue", region_name=REGION)
    return client, Stubber(client)


def test_switching_off_stops_the_active_run_stubbed(aws_env: None) -> None:
    client, stub = stubbed()
    stub.add_response(
        "get_job_runs", runs("RUNNING", "SUCCEEDED"), {"JobName": JOB, "MaxResults": 50}
    )
    stub.add_response(
        "batch_stop_job_run",
        {"SuccessfulSubmissions": [{"JobName": JOB, "JobRunId": "jr_0"}], "Errors": []},
        {"JobName": JOB, "JobRunIds": ["jr_0"]},
    )
    with stub:
        outcome = GlueStreamingSwitch(client).update(
            request("Update", "false", old={"JobName": JOB, "Enabled": "true"}),
            Deadline.after(30),
        )
    stub.assert_no_pending_responses()
    assert "stopped ['jr_0']" in outcome.reason


def test_new_code_restarts_the_run_after_it_has_stopped_stubbed(aws_env: None) -> None:
    client, stub = stubbed()
    args = {"JobName": JOB, "MaxResults": 50}
    stub.add_response("get_job_runs", runs("RUNNING"), args)
    stub.add_response(
        "batch_stop_job_run",
        {"SuccessfulSubmissions": [], "Errors": []},
        {"JobName": JOB, "JobRunIds": ["jr_0"]},
    )
    stub.add_response("get_job_runs", runs("STOPPING"), args)
    stub.add_response("get_job_runs", runs("STOPPED"), args)
    stub.add_response("get_job_runs", runs("STOPPED"), args)
    stub.add_response("start_job_run", {"JobRunId": "jr_new"}, {"JobName": JOB})
    sleeps: list[float] = []
    with stub:
        outcome = GlueStreamingSwitch(client, sleep=sleeps.append).update(
            request(
                "Update", "true", old={"JobName": JOB, "Enabled": "true", "CodeVersion": "old"}
            ),
            Deadline.after(60),
        )
    stub.assert_no_pending_responses()
    assert outcome.data == {"RunId": "jr_new"}
    assert len(sleeps) == 1  # waited once while the old run was STOPPING


def test_a_run_that_will_not_stop_fails_at_the_deadline_stubbed(aws_env: None) -> None:
    client, stub = stubbed()
    args = {"JobName": JOB, "MaxResults": 50}
    for _ in range(4):  # the first call finds nothing active to stop; then it waits
        stub.add_response("get_job_runs", runs("STOPPING"), args)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with stub, pytest.raises(DeadlineExceededError):
        GlueStreamingSwitch(client, sleep=sleep).update(
            request(
                "Update", "true", old={"JobName": JOB, "Enabled": "true", "CodeVersion": "old"}
            ),
            Deadline.after(8, clock=lambda: now[0]),
        )


def test_delete_stops_the_run_stubbed(aws_env: None) -> None:
    client, stub = stubbed()
    stub.add_response("get_job_runs", runs("WAITING"), {"JobName": JOB, "MaxResults": 50})
    stub.add_response(
        "batch_stop_job_run",
        {"SuccessfulSubmissions": [], "Errors": []},
        {"JobName": JOB, "JobRunIds": ["jr_0"]},
    )
    with stub:
        GlueStreamingSwitch(client).delete(request("Delete", "true"), Deadline.after(30))
    stub.assert_no_pending_responses()


def test_enabled_must_be_true_or_false(aws_env: None) -> None:
    client, _ = stubbed()
    with pytest.raises(InvalidPropertyError):
        GlueStreamingSwitch(client).create(request("Create", "yes"), Deadline.after(30))
