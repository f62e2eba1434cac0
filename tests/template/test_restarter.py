"""The streaming job's restarter: the rule that wakes it and the state machine, run offline.

Step Functions cannot run here, so ``tests.template.asl.Run`` interprets the template's own
definition with the Glue and Step Functions calls answered by the test. What is checked is
what an operator would see: after Glue gives up, the job is started again, with waits that
double up to an hour, until a run stays up; a second failure event while a restarter is at
work does not start a second one.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.template.asl import Run, TaskFailed, definition
from tests.template.cfn import Stack

LIST_EXECUTIONS = "arn:aws:states:::aws-sdk:sfn:listExecutions"
START_JOB_RUN = "arn:aws:states:::glue:startJobRun"
GET_JOB_RUNS = "arn:aws:states:::aws-sdk:glue:getJobRuns"


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack()


def restarter(stack: Stack, *, others: int = 0, up_after: int = 1, busy: bool = False) -> Run:
    """Glue answering as if the job stays up after ``up_after`` starts."""
    starts: list[int] = []

    def start(params: dict[str, Any]) -> dict[str, Any]:
        if busy:
            raise TaskFailed("Glue.ConcurrentRunsExceededException")
        starts.append(1)
        return {"JobRunId": f"jr_{len(starts)}"}

    def runs(params: dict[str, Any]) -> dict[str, Any]:
        state = "RUNNING" if len(starts) >= up_after else "FAILED"
        return {"JobRuns": [{"Id": f"jr_{len(starts)}", "JobRunState": state}]}

    return Run(
        definition(stack, "StreamingJobRestarter"),
        {
            LIST_EXECUTIONS: lambda p: {"Executions": [{}] * (1 + others)},
            START_JOB_RUN: start,
            GET_JOB_RUNS: runs,
        },
    )


def test_after_glue_gives_up_the_job_is_started_again_after_a_pause(stack: Stack) -> None:
    run = restarter(stack, up_after=1)
    assert run({"detail": {}}) == "Mended"
    starts = [c for c in run.calls if c[0] == START_JOB_RUN]
    assert starts == [(START_JOB_RUN, {"JobName": "{Ref:StreamingJob}"})]  # its name
    assert run.waits == [300, 1800]  # a pause, then half an hour to see that it stays up


def test_a_job_that_keeps_failing_is_restarted_with_doubling_waits_up_to_an_hour(
    stack: Stack,
) -> None:
    run = restarter(stack, up_after=6)
    assert run({"detail": {}}) == "Mended"
    pauses = run.waits[0::2]
    assert pauses == [300, 600, 1200, 2400, 3600, 3600]
    assert run.waits[1::2] == [1800] * 6


def test_a_second_restarter_leaves_the_work_to_the_first(stack: Stack) -> None:
    run = restarter(stack, others=1)
    assert run({"detail": {}}) == "LeaveItToTheOther"
    assert [c[0] for c in run.calls] == [LIST_EXECUTIONS]


def test_a_run_started_meanwhile_ends_the_restarter(stack: Stack) -> None:
    run = restarter(stack, busy=True)
    assert run({"detail": {}}) == "AlreadyRunning"


def _matches(pattern: Any, event: Any) -> bool:
    """EventBridge's matching for the pattern forms the rule uses."""
    if isinstance(pattern, dict):
        return all(k in event and _matches(v, event[k]) for k, v in pattern.items())
    return any(event.endswith(p["suffix"]) if isinstance(p, dict) else event == p for p in pattern)


def test_the_rule_wakes_the_restarter_only_when_glues_last_retry_failed(stack: Stack) -> None:
    rule = stack.props("StreamingJobGaveUpRule")
    retries = stack.props("StreamingJob")["MaxRetries"]
    job = "{Ref:StreamingJob}"

    def event(run_id: str, state: str = "FAILED", name: str = job) -> dict[str, Any]:
        return {
            "source": "aws.glue",
            "detail-type": "Glue Job State Change",
            "detail": {"jobName": name, "state": state, "jobRunId": run_id},
        }

    assert _matches(rule["EventPattern"], event(f"jr_0a1b_attempt_{retries}"))
    assert _matches(rule["EventPattern"], event(f"jr_0a1b_attempt_{retries}", "TIMEOUT"))
    for attempt in range(1, retries):
        assert not _matches(rule["EventPattern"], event(f"jr_0a1b_attempt_{attempt}"))
    assert not _matches(rule["EventPattern"], event("jr_0a1b"))  # Glue still retries
    assert not _matches(rule["EventPattern"], event(f"jr_0a1b_attempt_{retries}", "STOPPED"))
    assert not _matches(rule["EventPattern"], event(f"jr_0a1b_attempt_{retries}", name="other"))
    (target,) = rule["Targets"]
    assert target["Arn"] == "{Ref:StreamingJobRestarter}"
    assert rule["State"] == "ENABLED"  # and DISABLED with the pipeline off (the switch stops it)
    assert Stack({"PipelineEnabled": "false"}).props("StreamingJobGaveUpRule")["State"] == (
        "DISABLED"
    )
    alarms = stack.of_type("AWS::CloudWatch::Alarm").values()
    watched = {d["Value"] for a in alarms for d in a["Properties"]["Dimensions"]}
    assert {"{Ref:StreamingJobGaveUpRule}", "{Ref:StreamingJobRestarter}"} <= watched
