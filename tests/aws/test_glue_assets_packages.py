"""``Custom::GlueAssets``'s ``ExtraPackages``: more packages beside ``vts`` (the reports job
imports ``simulator``), each zipped like ``vts`` and listed in ``ExtraPyFiles``. S3 is
moto's in-process mock."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

import vts
from tests.aws.lambda_support import REGION, aws_env  # noqa: F401
from vts.aws.cfn_response import CustomResourceRequest
from vts.aws.custom_resource import Deadline
from vts.aws.exceptions import InvalidPropertyError
from vts.aws.glue_assets import GlueAssetsResource

BUCKET = "vts-assets-packages"
PACKAGE = Path(vts.__file__).resolve().parent  # simulator/ sits beside it


@pytest.fixture
def s3(aws_env: None) -> Iterator[Any]:  # noqa: F811
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET)
        yield client


def _request(**props: Any) -> CustomResourceRequest:
    return CustomResourceRequest(
        request_type="Create",
        response_url="http://127.0.0.1/unused",
        stack_id="stack",
        request_id="req",
        logical_resource_id="ReportsGlueAssets",
        resource_type="Custom::GlueAssets",
        properties={
            "Bucket": BUCKET,
            "Prefix": "glue/",
            "ScriptName": "vts_reports_job.py",
            **props,
        },
    )


def test_extra_packages_are_zipped_beside_vts_and_listed_moto(s3: Any) -> None:
    scripts = PACKAGE.parent / "glue_scripts"
    created = GlueAssetsResource(s3, PACKAGE, scripts).create(
        _request(ExtraPackages=["simulator"]), Deadline.after(60)
    )
    folder = f"s3://{BUCKET}/glue/{created.data['Digest']}/"
    assert created.data["ExtraPyFiles"] == f"{folder}vts.zip,{folder}simulator.zip"
    body = s3.get_object(Bucket=BUCKET, Key=f"glue/{created.data['Digest']}/simulator.zip")["Body"]
    names = zipfile.ZipFile(io.BytesIO(body.read())).namelist()
    assert "simulator/geo.py" in names and "simulator/scenario.py" in names
    without = GlueAssetsResource(s3, PACKAGE, scripts).create(_request(), Deadline.after(60))
    assert without.data["Digest"] != created.data["Digest"]  # the packages are in the digest


def test_extra_packages_must_be_package_names_moto(s3: Any) -> None:
    resource = GlueAssetsResource(s3, PACKAGE, PACKAGE.parent / "glue_scripts")
    with pytest.raises(InvalidPropertyError):
        resource.create(_request(ExtraPackages=["../etc"]), Deadline.after(60))
