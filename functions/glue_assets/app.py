"""Lambda handler of ``Custom::GlueAssets``: publish the Glue job script and the vts zip.

Thin: the code layer built by ``sam build`` holds ``vts`` (under /opt/python) and the Glue
scripts (under /opt/glue_scripts, or ``VTS_GLUE_SCRIPTS_DIR``); ``vts.aws.glue_assets``
zips and uploads them, and the runner reports to CloudFormation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from botocore.config import Config

import vts
from vts.aws.custom_resource import run_custom_resource
from vts.aws.glue_assets import DEFAULT_SCRIPTS_DIR, GlueAssetsResource

logger = Logger()
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})
_s3: Any = None


def _client() -> Any:
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3", config=Config(connect_timeout=5, read_timeout=30))
    return _s3


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    resource = GlueAssetsResource(
        _client(),
        package_dir=Path(vts.__file__).parent,
        scripts_dir=Path(os.environ.get("VTS_GLUE_SCRIPTS_DIR") or DEFAULT_SCRIPTS_DIR),
    )
    return run_custom_resource(event, context, resource)
