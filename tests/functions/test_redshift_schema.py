"""functions/redshift_schema invoked in-process with each events/redshift_schema_*.json.

AWS is moto (a mock of the Redshift Data API); CloudFormation's pre-signed response URL is
a local HTTP server that records the PUT. A background thread plays the database: it
finishes (or fails) each statement moto holds, as Redshift would, while the handler polls.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto.redshiftdata.models import redshiftdata_backends

from tests.aws.cfn_server import CfnResponses
from tests.aws.lambda_support import (
    ACCOUNT,
    REGION,
    LambdaContext,
    json_log_lines,
    load_event,
    load_handler,
)

SERVICE = "vts-redshift-schema"


class BackgroundRedshift:
    """Completes moto's STARTED statements from another thread, like a real database."""

    def __init__(self, fail_when: Callable[[str], bool]) -> None:
        self.fail_when = fail_when
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def statements() -> list[Any]:
        return list(redshiftdata_backends[ACCOUNT][REGION].statements.values())

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            for statement in self.statements():
                if statement.status == "STARTED":
                    failed = self.fail_when(statement.query_string)
                    statement.status = "FAILED" if failed else "FINISHED"

    def __enter__(self) -> BackgroundRedshift:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def handler(
    aws_env: None,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", SERVICE)
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "INFO")
    with mock_aws():
        module = load_handler("redshift_schema")
        # What Lambda would ship to CloudWatch: Powertools' handler output (it also serves
        # the vts.* loggers), redirected from stdout to a buffer the test reads.
        module.log_output = io.StringIO()
        for log_handler in logging.getLogger(SERVICE).handlers:
            log_handler.setStream(module.log_output)  # type: ignore[attr-defined]
        yield module


def invoke(
    handler: Any, event_file: str, responses: CfnResponses, fail_when: Callable[[str], bool]
) -> tuple[dict[str, Any], list[str]]:
    event = load_event(event_file, ResponseURL=responses.url)
    with BackgroundRedshift(fail_when) as redshift:
        result = handler.lambda_handler(event, LambdaContext(function_name="redshift-schema"))
        sql = [s.query_string for s in redshift.statements()]
    return result, sql


@pytest.mark.parametrize(
    ("event_file", "expected_sql", "physical_id"),
    [
        (
            "redshift_schema_create.json",
            ["create external schema if not exists vts"],
            "vts/dev/vts",
        ),
        (
            "redshift_schema_update.json",
            ["drop schema if exists vts", "create external schema if not exists vts"],
            "vts/dev/vts",
        ),
        (
            "redshift_schema_update_rename.json",
            ["create external schema if not exists vts"],
            "vts/dev/vts",
        ),
        ("redshift_schema_delete.json", ["drop schema if exists vts"], "vts/dev/vts"),
    ],
)
def test_each_sample_event_sends_its_statements_and_reports_success_moto(
    handler: Any,
    cfn_responses: CfnResponses,
    event_file: str,
    expected_sql: list[str],
    physical_id: str,
) -> None:
    result, sql = invoke(handler, event_file, cfn_responses, fail_when=lambda _: False)

    assert [s.split("\n")[0] for s in sql] == expected_sql
    put = cfn_responses.only()
    assert put["path"] == "/cfn-response/signed"
    assert put["content_type"] == ""  # the pre-signed URL is signed for no content type
    body = put["body"]
    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == physical_id
    event = load_event(event_file)
    assert (body["RequestId"], body["LogicalResourceId"], body["StackId"]) == (
        event["RequestId"],
        event["LogicalResourceId"],
        event["StackId"],
    )
    assert result == body  # what `sam local invoke` prints is what CloudFormation got


def test_a_failed_create_is_reported_failed_with_the_reason_moto(
    handler: Any,
    cfn_responses: CfnResponses,
) -> None:
    result, sql = invoke(
        handler, "redshift_schema_create.json", cfn_responses, fail_when=lambda _: True
    )

    body = cfn_responses.only()["body"]
    assert body["Status"] == "FAILED"
    assert "ended FAILED" in body["Reason"]
    assert "what to do:" in body["Reason"]
    assert body["PhysicalResourceId"].startswith("failed-create:RedshiftExternalSchema:")
    assert result == body
    assert len(sql) == 1

    records = json_log_lines(handler.log_output.getvalue())
    errors = [r for r in records if r["level"] == "ERROR"]
    assert errors, "the failure is logged as a structured ERROR record"
    assert all(r["service"] == SERVICE for r in records)
    assert any(r.get("name", "").startswith("vts.aws") for r in records)


def test_a_failed_update_keeps_the_existing_physical_id_moto(
    handler: Any,
    cfn_responses: CfnResponses,
) -> None:
    invoke(
        handler,
        "redshift_schema_update.json",
        cfn_responses,
        fail_when=lambda sql: sql.startswith("create"),
    )
    body = cfn_responses.only()["body"]
    assert body["Status"] == "FAILED"
    # CloudFormation would treat a new id as a replacement; a failed update must not.
    assert body["PhysicalResourceId"] == "vts/dev/vts"


def test_an_unreachable_response_url_is_logged_and_the_result_still_returned_moto(
    handler: Any,
) -> None:
    event = load_event("redshift_schema_delete.json", ResponseURL="http://127.0.0.1:9/closed")
    with BackgroundRedshift(lambda _: False):
        result = handler.lambda_handler(event, LambdaContext())
    assert result["Status"] == "SUCCESS"
    records = json_log_lines(handler.log_output.getvalue())
    assert any("could not send SUCCESS" in r["message"] for r in records)
