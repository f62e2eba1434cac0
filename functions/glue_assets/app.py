"""Lambda handler of ``Custom::GlueAssets``: publish what the Glue job needs.

Thin: the code layer built by ``sam build`` holds ``vts`` (under /opt/python), the Glue
scripts (/opt/glue_scripts), the job's jars and wheels (/opt/glue_assets) and the
scenarios' reference tables (/opt/reference); each folder can be moved with
``VTS_GLUE_SCRIPTS_DIR``, ``VTS_GLUE_ASSETS_DIR`` and ``VTS_REFERENCE_DIR``.
``vts.aws.glue_assets`` zips and uploads them, and the runner reports to CloudFormation.
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
from vts.aws.glue_assets import (
    DEFAULT_ASSETS_DIR,
    DEFAULT_REFERENCE_DIR,
    DEFAULT_SCRIPTS_DIR,
    GlueAssetsResource,
)

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
    def resource() -> GlueAssetsResource:
        return GlueAssetsResource(
            _client(),
            package_dir=Path(vts.__file__).parent,
            scripts_dir=Path(os.environ.get("VTS_GLUE_SCRIPTS_DIR") or DEFAULT_SCRIPTS_DIR),
            assets_dir=Path(os.environ.get("VTS_GLUE_ASSETS_DIR") or DEFAULT_ASSETS_DIR),
            reference_dir=Path(os.environ.get("VTS_REFERENCE_DIR") or DEFAULT_REFERENCE_DIR),
        )

    # a factory: the client is made inside the runner's guard
    return run_custom_resource(event, context, resource)
