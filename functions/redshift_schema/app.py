"""Lambda handler of ``Custom::RedshiftExternalSchema``: the Spectrum schema over the catalog.

Thin: Powertools logging, a Redshift Data API client made once per container, and the
custom-resource runner from the shared package (``vts.aws``), which always reports back to
CloudFormation. The event's ResponseURL is pre-signed, so the event itself is not logged.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from botocore.config import Config

from vts.aws.custom_resource import run_custom_resource
from vts.aws.redshift_schema import RedshiftExternalSchema

logger = Logger()
# vts.* modules log with the standard library; give them Powertools' JSON format too.
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})
_CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=20, retries={"mode": "standard", "max_attempts": 4}
)
_client: Any = None


def _redshift_data() -> Any:
    global _client
    if _client is None:
        _client = boto3.client("redshift-data", config=_CLIENT_CONFIG)
    return _client


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_custom_resource(event, context, lambda: RedshiftExternalSchema(_redshift_data()))
