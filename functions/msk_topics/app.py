"""Lambda handler of ``Custom::MskTopics``: the new MSK Serverless cluster's address and topics.

Thin: runs inside the VPC (the admin client talks to the brokers), looks the bootstrap
address up with the MSK API and creates missing topics through ``vts.aws.msk_topics``.
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from botocore.config import Config

from vts.aws.custom_resource import run_custom_resource
from vts.aws.msk_topics import MskTopics

logger = Logger()
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})
_kafka: Any = None


def _client() -> Any:
    global _kafka
    if _kafka is None:
        _kafka = boto3.client("kafka", config=Config(connect_timeout=5, read_timeout=20))
    return _kafka


@logger.inject_lambda_context(log_event=False)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_custom_resource(event, context, lambda: MskTopics(_client()))
