"""Lambda handler of ``Custom::GlueAssets``: publish what the Glue job needs.

Thin: the code layer built by ``sam build`` holds ``vts`` (under /opt/python), the Glue
scripts (/opt/glue_scripts), the job's jars and wheels (/opt/glue_assets) and the
scenarios' reference tables (/opt/reference); each folder can be moved with
``VTS_GLUE_SCRIPTS_DIR``, ``VTS_GLUE_ASSETS_DIR`` and ``VTS_REFERENCE_DIR``.
``vts.aws.glue_assets`` zips and uploads them with an S3 client, and the skeleton
(``vts.aws.handler``) logs and reports to CloudFormation.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import vts
from vts.aws.glue_assets import (
    DEFAULT_ASSETS_DIR,
    DEFAULT_REFERENCE_DIR,
    DEFAULT_SCRIPTS_DIR,
    GlueAssetsResource,
)
from vts.aws.handler import custom_resource_handler


def _resource(s3: Any) -> GlueAssetsResource:
    return GlueAssetsResource(
        s3,
        package_dir=Path(vts.__file__).parent,
        scripts_dir=Path(os.environ.get("VTS_GLUE_SCRIPTS_DIR") or DEFAULT_SCRIPTS_DIR),
        assets_dir=Path(os.environ.get("VTS_GLUE_ASSETS_DIR") or DEFAULT_ASSETS_DIR),
        reference_dir=Path(os.environ.get("VTS_REFERENCE_DIR") or DEFAULT_REFERENCE_DIR),
    )


lambda_handler = custom_resource_handler(_resource, "s3", read_timeout=30)
