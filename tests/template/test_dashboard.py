"""The operator's dashboard: every metric it plots is one the code (or AWS, for a resource of
the stack that an alarm watches) really emits, under the names and dimensions emitted.

The job's metrics come from ``vts.stream.metrics.BatchMetrics.datums()``; the simulator's
from the ``metrics.add_metric(name=...)`` calls in its handler, with the dimension
Powertools itself writes (checked by serialising a metric with Powertools).
"""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

from tests.template.cfn import REGION, REPO, Stack


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack()


def widgets(stack: Stack) -> list[dict[str, Any]]:
    return list(json.loads(stack.props("Dashboard")["DashboardBody"])["widgets"])


def plotted(stack: Stack) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every line of every metric widget."""
    lines = []
    for widget in widgets(stack):
        if widget["type"] != "metric":
            continue
        for line in widget["properties"]["metrics"]:
            fields = [f for f in line if not isinstance(f, dict)]
            namespace, name, *dims = fields
            lines.append((namespace, name, dict(zip(dims[0::2], dims[1::2], strict=True))))
    return lines


def job_metrics() -> set[str]:
    from vts.stream.metrics import BatchMetrics

    sample = BatchMetrics(0, 1, 1, 0, 1, 0.5, {"min": 0.0, "avg": 1.0, "max": 2.0})
    return {name for name, _, _ in sample.datums()}


def simulator_metrics() -> set[str]:
    tree = ast.parse((REPO / "functions" / "simulator_producer" / "app.py").read_text())
    return {
        keyword.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_metric"
        for keyword in node.keywords
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant)
    }


def powertools_dimensions(namespace: str, service: str) -> dict[str, str]:
    """The dimensions Powertools writes for a function's metric (its EMF document)."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace=namespace, service=service)
    metrics.add_metric(name="Probe", unit=MetricUnit.Count, value=1)
    document = metrics.serialize_metric_set()
    metrics.clear_metrics()
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    (names,) = directive["Dimensions"]
    return {name: document[name] for name in names}


def test_every_plotted_metric_is_emitted_under_that_name_and_dimension(stack: Stack) -> None:
    job_args = stack.props("StreamingJob")["DefaultArguments"]
    env = stack.function_env("SimulatorFunction")
    simulator_namespace = env["POWERTOOLS_METRICS_NAMESPACE"]
    simulator_dims = powertools_dimensions(simulator_namespace, env["POWERTOOLS_SERVICE_NAME"])
    alarm_metrics = [
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"], a["Properties"]["Dimensions"])
        for a in stack.of_type("AWS::CloudWatch::Alarm").values()
    ]
    for namespace, name, dims in plotted(stack):
        where = f"{namespace}/{name} {dims}"
        if namespace == job_args["--metrics_namespace"]:
            assert name in job_metrics(), where
            assert dims == {"JobName": "{Ref:StreamingJob}"}, where  # Glue's JOB_NAME
        elif namespace == simulator_namespace:
            assert name in simulator_metrics(), where
            assert dims == simulator_dims, where
        else:
            # An AWS metric: the very one an alarm of the stack watches.
            as_alarm = [{"Name": k, "Value": v} for k, v in dims.items()]
            assert (namespace, name, as_alarm) in alarm_metrics, where


def test_the_dashboard_shows_what_the_operator_needs(stack: Stack) -> None:
    lines = {(namespace, name, tuple(dims.values())) for namespace, name, dims in plotted(stack)}
    names = {name for _, name, _ in lines}
    # the job: records in, quarantined, batch seconds, offsets behind
    assert {"RecordsIn", "Quarantined", "BatchSeconds", "MaxOffsetsBehindLatest"} <= names
    # the simulator: errors and given-up windows
    assert ("AWS/Lambda", "Errors", ("{Ref:SimulatorFunction}",)) in lines
    assert any(dims == ("{SimulatorFailureQueue.QueueName}",) for _, _, dims in lines)
    # the crawler's and the reports job's runs (their failures; GlueJobFailedRule covers both jobs)
    rules = {dims[0] for namespace, _, dims in lines if namespace == "AWS/Events"}
    assert {"{Ref:CrawlerFailedRule}", "{Ref:GlueJobFailedRule}"} <= rules
    assert (
        "{Ref:ReportsJob}" in stack.props("GlueJobFailedRule")["EventPattern"]["detail"]["jobName"]
    )
    # and every alarm of the stack
    (alarms,) = [w for w in widgets(stack) if w["type"] == "alarm"]
    assert sorted(alarms["properties"]["alarms"]) == sorted(
        f"{{{logical}.Arn}}" for logical in stack.of_type("AWS::CloudWatch::Alarm")
    )


def test_the_outputs_link_the_dashboard(stack: Stack) -> None:
    url = stack.outputs["DashboardUrl"]
    assert url.startswith(
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}#"
    )
    assert url.endswith("#dashboards:name={Ref:Dashboard}")
