"""Lambda handler of ``Custom::GlueStreamingSwitch``: start or stop the streaming job run.

Thin: a Glue client made once per container, ``vts.aws.glue_job_switch`` decides what to
start or stop, and the runner reports to CloudFormation.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from botocore.config import Config

from vts.aws.custom_resource import run_custom_resource
from vts.aws.glue_job_switch import GlueStreamingSwitch

logger = Logger()
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})
_glue: Any = None


def _client() -> Any:
    global _glue
    if _glue is None:
        _glue = boto3.client("glue", config=Config(connect_timeout=5, read_timeout=20))
    return _glue


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_custom_resource(event, context, lambda: GlueStreamingSwitch(_client()))
