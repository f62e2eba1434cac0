"""Lambda handler: the live API behind a Function URL (AWS_IAM auth; payload format 2.0).

Thin: the request's method, raw path and raw query string go to ``vts.live.api.handle``,
whose ``(status, JSON body, headers)`` becomes the Function URL's response. Settings
from ``VTS_LIVE_*`` (``vts.live.settings``); the store's connection is kept per container.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from vts.live import api
from vts.live.settings import LiveSettings
from vts.live.store import LiveStore

logger = Logger()
tracer = Tracer()
metrics = Metrics()
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})

_stores: dict[LiveSettings, LiveStore] = {}


def _store(settings: LiveSettings) -> LiveStore:
    store = _stores.get(settings)
    if store is None:
        _stores.clear()
        store = _stores[settings] = LiveStore.connect(settings)
    return store


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    http = event.get("requestContext", {}).get("http", {})
    method = str(http.get("method", "GET"))
    path = str(event.get("rawPath") or http.get("path") or "/")
    query = event.get("rawQueryString") or ""
    response = api.handle(method, path, query, store=_store(LiveSettings.from_env()))
    metrics.add_metric(name=f"Status{response.status // 100}xx", unit=MetricUnit.Count, value=1)
    if response.status >= 500:
        logger.error("live API failed", extra={"path": path, "body": response.body})
    return {
        "statusCode": response.status,
        "headers": dict(response.headers),
        "body": "" if method.upper() == "HEAD" else response.body,
        "isBase64Encoded": False,
    }
