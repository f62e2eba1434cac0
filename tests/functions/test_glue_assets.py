"""functions/glue_assets invoked in-process with each events/glue_assets_*.json (moto S3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.aws.cfn_server import CfnResponses
from tests.aws.lambda_support import (
    REGION,
    LambdaContext,
    load_event,
    load_handler,
)

BUCKET = "vts-dev-databucket-abcdef"  # the bucket named in the sample events


@pytest.fixture
def handler(
    aws_env: None,
    restore_logging: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Any]:
    scripts = tmp_path / "glue_scripts"  # stands in for the code layer's /opt/glue_scripts
    scripts.mkdir()
    (scripts / "vts_streaming_job.py").write_text("print('job')\n")
    monkeypatch.setenv("VTS_GLUE_SCRIPTS_DIR", str(scripts))
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "vts-glue-assets")
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        yield load_handler("glue_assets")


def test_create_publishes_and_reports_the_locations_moto(
    handler: Any,
    cfn_responses: CfnResponses,
) -> None:
    event = load_event("glue_assets_create.json", ResponseURL=cfn_responses.url)
    result = handler.lambda_handler(event, LambdaContext())

    body = cfn_responses.only()["body"]
    assert result == body
    assert body["Status"] == "SUCCESS"
    digest = body["Data"]["Digest"]
    assert body["Data"]["ScriptLocation"] == f"s3://{BUCKET}/glue/{digest}/vts_streaming_job.py"
    assert body["Data"]["ExtraPyFiles"] == f"s3://{BUCKET}/glue/{digest}/vts.zip"
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET)
    assert sorted(o["Key"] for o in listed["Contents"]) == [
        f"glue/{digest}/vts.zip",
        f"glue/{digest}/vts_streaming_job.py",
    ]


def test_delete_removes_the_published_folder_moto(
    handler: Any,
    cfn_responses: CfnResponses,
) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    event = load_event("glue_assets_delete.json", ResponseURL=cfn_responses.url)
    folder = event["PhysicalResourceId"].split(f"{BUCKET}/", 1)[1]
    s3.put_object(Bucket=BUCKET, Key=folder + "vts.zip", Body=b"zip")
    s3.put_object(Bucket=BUCKET, Key="glue/keep/vts.zip", Body=b"other deploy")

    handler.lambda_handler(event, LambdaContext())

    assert cfn_responses.only()["body"]["Status"] == "SUCCESS"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == [
        "glue/keep/vts.zip"
    ]
