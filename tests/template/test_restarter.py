"""The streaming job's restarter: the rule that wakes it and the state machine, run offline.

Step Functions cannot run here, so ``Run`` interprets the template's own definition (the
state types, paths and intrinsics it uses, nothing more: anything else fails the test) with
the Glue and Step Functions calls answered by the test. What is checked is what an operator
would see: after Glue gives up, the job is started again, with waits that double up to an
hour, until a run stays up; a second failure event while a restarter is at work does not
start a second one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.template.cfn import Stack

Answer = Callable[[dict[str, Any]], dict[str, Any]]


class TaskFailed(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _path(document: Any, path: str, context: dict[str, Any]) -> Any:
    if path.startswith("$$."):
        document, path = context, "$" + path[2:]
    assert path.startswith("$"), path
    value = document
    for part in re.findall(r"\.(\w+)|\[(\d+)\]|\[\?\(@\.(\w+) == '([^']*)'\)\]", path[1:]):
        key, index, field, wanted = part
        if key:
            value = value[key]
        elif index:
            value = value[int(index)]
        else:
            value = [item for item in value if item.get(field) == wanted]
    return value


def _value(template: Any, document: Any, context: dict[str, Any]) -> Any:
    """Parameters/ResultSelector: keys ending in .$ are paths or intrinsics."""
    if not isinstance(template, dict):
        return template
    out = {}
    for key, spec in template.items():
        if not key.endswith(".$"):
            out[key] = _value(spec, document, context)
            continue
        call = re.fullmatch(r"(States\.\w+)\((.*)\)", spec)
        if call is None:
            out[key[:-2]] = _path(document, spec, context)
            continue
        args = [_path(document, a.strip(), context) for a in call.group(2).split(",")]
        functions = {"States.ArrayLength": lambda a: len(a), "States.MathAdd": lambda a, b: a + b}
        out[key[:-2]] = functions[call.group(1)](*args)
    return out


def _set(document: dict[str, Any], path: str | None, result: Any) -> dict[str, Any]:
    if path is None:
        return document
    if path == "$":
        return result  # type: ignore[no-any-return]
    document = copy.deepcopy(document)
    target = document
    *parents, last = path[2:].split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = result
    return document


class Run:
    """One execution of the definition; ``tasks`` answers each Task by its resource."""

    def __init__(self, definition: dict[str, Any], tasks: dict[str, Answer]) -> None:
        self.definition = definition
        self.tasks = tasks
        self.waits: list[int] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, event: dict[str, Any]) -> str:
        context = {"StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:r"}}
        state_name, document = self.definition["StartAt"], event
        for _ in range(200):
            state = self.definition["States"][state_name]
            kind = state["Type"]
            if kind == "Succeed":
                return str(state_name)
            if kind == "Pass":
                result = (
                    _value(state["Parameters"], document, context)
                    if "Parameters" in state
                    else state["Result"]
                )
                document = _set(document, state["ResultPath"], result)
            elif kind == "Wait":
                seconds = state.get("Seconds")
                if seconds is None:
                    seconds = _path(document, state["SecondsPath"], context)
                self.waits.append(int(seconds))
            elif kind == "Task":
                params = _value(state["Parameters"], document, context)
                self.calls.append((state["Resource"], params))
                try:
                    raw = self.tasks[state["Resource"]](params)
                except TaskFailed as failure:
                    (catch,) = [c for c in state["Catch"] if failure.error in c["ErrorEquals"]]
                    state_name = catch["Next"]
                    continue
                result = (
                    _value(state.get("ResultSelector", {}), raw, context)
                    if ("ResultSelector" in state)
                    else raw
                )
                document = _set(document, state.get("ResultPath", "$"), result)
            elif kind == "Choice":
                for choice in state["Choices"]:
                    if self._matches(choice, document, context):
                        state_name = choice["Next"]
                        break
                else:
                    state_name = state["Default"]
                continue
            else:
                raise AssertionError(f"state type {kind} is not interpreted here")
            state_name = state["Next"]
        raise AssertionError("the restarter never ends")

    @staticmethod
    def _matches(choice: dict[str, Any], document: Any, context: dict[str, Any]) -> bool:
        if "IsPresent" in choice:
            try:
                _path(document, choice["Variable"], context)
                present = True
            except (KeyError, IndexError):
                present = False
            return present is choice["IsPresent"]
        value = _path(document, choice["Variable"], context)
        if "NumericGreaterThan" in choice:
            return bool(value > choice["NumericGreaterThan"])
        raise AssertionError(f"choice {choice} is not interpreted here")


LIST_EXECUTIONS = "arn:aws:states:::aws-sdk:sfn:listExecutions"
START_JOB_RUN = "arn:aws:states:::glue:startJobRun"
GET_JOB_RUNS = "arn:aws:states:::aws-sdk:glue:getJobRuns"


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack()


def definition(stack: Stack) -> dict[str, Any]:
    machine = stack.props("StreamingJobRestarter")
    text = repr(machine["Definition"])
    for name, value in machine["DefinitionSubstitutions"].items():
        text = text.replace("${" + name + "}", value)
    return eval(text)  # noqa: S307 - our own repr of plain dicts, lists and strings


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
        definition(stack),
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
