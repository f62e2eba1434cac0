"""The custom-resource runner: exactly one response per request, whatever the handler does."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.aws.cfn_server import CfnResponses
from tests.aws.lambda_support import LambdaContext, load_event
from vts.aws.cfn_response import (
    MAX_BODY_BYTES,
    CustomResourceRequest,
    CustomResourceResponse,
    send_response,
)
from vts.aws.custom_resource import CustomResource, Deadline, Outcome, run_custom_resource
from vts.aws.exceptions import InvalidPropertyError
from vts.exceptions import ConfigError


class Recorder:
    """A sender that records responses instead of PUTting them."""

    def __init__(self) -> None:
        self.sent: list[CustomResourceResponse] = []
        self.first = threading.Event()

    def __call__(
        self, request: CustomResourceRequest, response: CustomResourceResponse
    ) -> dict[str, Any]:
        self.sent.append(response)
        self.first.set()
        return response.body(request)


class Scripted(CustomResource):
    def __init__(self, action: Any) -> None:
        self.action = action
        self.seen: list[str] = []

    def _do(self, request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        self.seen.append(request.request_type)
        return self.action(request, deadline)  # type: ignore[no-any-return]

    create = update = delete = _do


def test_the_request_type_picks_the_method_and_service_token_is_dropped() -> None:
    recorder = Recorder()
    resource = Scripted(lambda r, d: Outcome("id-1", {"Answer": "42"}))
    for name in ("redshift_schema_create.json", "redshift_schema_delete.json"):
        body = run_custom_resource(load_event(name), LambdaContext(), resource, send=recorder)
        assert body["Status"] == "SUCCESS"
        assert body["Data"] == {"Answer": "42"}
    assert resource.seen == ["Create", "Delete"]
    request = CustomResourceRequest.from_event(load_event("redshift_schema_create.json"))
    assert "ServiceToken" not in request.properties


def test_a_vts_error_becomes_failed_with_message_and_hint() -> None:
    recorder = Recorder()

    def fail(request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        raise ConfigError("the bucket is missing", hint="deploy the bucket first")

    body = run_custom_resource(
        load_event("redshift_schema_update.json"), LambdaContext(), Scripted(fail), send=recorder
    )
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "the bucket is missing\n  what to do: deploy the bucket first"
    assert body["PhysicalResourceId"] == "vts/dev/vts"  # an update keeps its id
    assert len(recorder.sent) == 1


def test_an_unexpected_exception_is_reported_not_raised() -> None:
    recorder = Recorder()

    def boom(request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        raise KeyError("Arn")

    body = run_custom_resource(
        load_event("redshift_schema_create.json"), LambdaContext(), Scripted(boom), send=recorder
    )
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "KeyError: 'Arn'"
    assert body["PhysicalResourceId"].startswith("failed-create:RedshiftExternalSchema:")


def test_a_hanging_handler_is_reported_failed_before_the_lambda_timeout_once() -> None:
    recorder = Recorder()

    def hang(request: CustomResourceRequest, deadline: Deadline) -> Outcome:
        # Blocks past its deadline, until the watchdog has answered CloudFormation.
        assert recorder.first.wait(timeout=30), "the watchdog never reported"
        return Outcome("too-late")

    body = run_custom_resource(
        load_event("redshift_schema_create.json"),
        LambdaContext(remaining_ms=400),
        Scripted(hang),
        send=recorder,
        reserve=0.2,
    )
    assert [r.status for r in recorder.sent] == ["FAILED"]
    assert "did not finish before the function's timeout" in recorder.sent[0].reason
    assert body["Status"] == "FAILED"


def test_the_deadline_keeps_the_reserve_back_from_the_lambda_time() -> None:
    now = [100.0]
    deadline = Deadline.from_context(
        LambdaContext(remaining_ms=60_000), reserve=20, clock=lambda: now[0]
    )
    assert deadline.remaining() == pytest.approx(40)
    now[0] += 40
    assert deadline.expired()


def test_a_long_reason_is_cut_to_fit_cloudformations_limit() -> None:
    request = CustomResourceRequest.from_event(load_event("redshift_schema_create.json"))
    body = CustomResourceResponse("FAILED", "id", reason="x" * 10_000).body(request)
    assert len(body["Reason"]) <= 1500
    assert body["Reason"].endswith("...")
    assert len(json.dumps(body).encode()) <= MAX_BODY_BYTES


def test_an_event_without_a_request_type_is_rejected() -> None:
    event = load_event("redshift_schema_create.json")
    event["RequestType"] = "Replace"
    with pytest.raises(InvalidPropertyError):
        CustomResourceRequest.from_event(event)


def test_send_response_puts_json_with_an_empty_content_type(
    cfn_responses: CfnResponses,
) -> None:
    request = CustomResourceRequest.from_event(
        load_event("redshift_schema_create.json", ResponseURL=cfn_responses.url)
    )
    sent = send_response(
        request, CustomResourceResponse("SUCCESS", "vts/dev/vts", data={"SchemaName": "vts"})
    )
    put = cfn_responses.only()
    assert put["content_type"] == ""
    assert put["body"] == sent
    assert put["body"]["Data"] == {"SchemaName": "vts"}
    assert put["body"]["NoEcho"] is False


def test_a_malformed_event_is_answered_failed_when_it_names_a_response_url() -> None:
    """Parsing is inside the guard: CloudFormation hears FAILED instead of waiting an hour."""
    recorder = Recorder()
    event = load_event("redshift_schema_create.json")
    event["RequestType"] = "Replace"
    resource = Scripted(lambda r, d: Outcome("never"))
    body = run_custom_resource(event, LambdaContext(), resource, send=recorder)
    assert body["Status"] == "FAILED"
    assert "malformed custom resource event" in body["Reason"]
    assert body["RequestId"] == event["RequestId"]
    assert body["LogicalResourceId"] == event["LogicalResourceId"]
    assert [r.status for r in recorder.sent] == ["FAILED"]
    assert resource.seen == []


def test_a_malformed_event_without_a_response_url_raises() -> None:
    event = load_event("redshift_schema_create.json")
    del event["ResponseURL"]
    with pytest.raises(InvalidPropertyError):
        run_custom_resource(event, LambdaContext(), Scripted(lambda r, d: Outcome("x")))


def test_a_resource_factory_that_fails_is_reported_failed() -> None:
    """The handlers pass a factory, so making the AWS client is inside the guard too."""
    recorder = Recorder()

    def no_client() -> CustomResource:
        raise RuntimeError("You must specify a region.")

    body = run_custom_resource(
        load_event("redshift_schema_delete.json"), LambdaContext(), no_client, send=recorder
    )
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "RuntimeError: You must specify a region."
    assert len(recorder.sent) == 1
