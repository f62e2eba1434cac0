"""Lambda handler: the live consumer, invoked by the MSK event source mapping.

Thin: settings from ``VTS_LIVE_*`` (``vts.live.settings``), the event applied to the store
by ``vts.live.consumer`` (decode with the contract, skip and count invalid messages,
coalesce per vehicle, one pipelined write). Metrics (namespace ``POWERTOOLS_METRICS_NAMESPACE``):
``Records``, ``InvalidRecords``, ``VehiclesWritten``, ``IncidentsWritten``, and
``RecordAge`` (seconds from the batch's oldest record's Kafka timestamp to its handling:
the lag the alarm watches; the mapping's own ``OffsetLag`` counts records). A store that
does not answer raises, so the mapping retries the batch; the store's newest-wins rule
makes a retry harmless.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from vts.live.consumer import LiveConsumer
from vts.live.settings import LiveSettings
from vts.live.store import LiveStore

logger = Logger()
tracer = Tracer()
metrics = Metrics()
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})

_consumers: dict[LiveSettings, LiveConsumer] = {}


def _consumer(settings: LiveSettings) -> LiveConsumer:
    """The container's consumer (its connection pool is kept between invocations)."""
    consumer = _consumers.get(settings)
    if consumer is None:
        _consumers.clear()
        consumer = _consumers[settings] = LiveConsumer(LiveStore.connect(settings))
    return consumer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = _consumer(LiveSettings.from_env()).handle(event)
    metrics.add_metric(name="Records", unit=MetricUnit.Count, value=report.records)
    metrics.add_metric(name="InvalidRecords", unit=MetricUnit.Count, value=report.invalid)
    metrics.add_metric(name="VehiclesWritten", unit=MetricUnit.Count, value=report.written)
    metrics.add_metric(
        name="IncidentsWritten", unit=MetricUnit.Count, value=report.incidents_written
    )
    if report.max_record_age_s is not None:
        metrics.add_metric(
            name="RecordAge", unit=MetricUnit.Seconds, value=max(0.0, report.max_record_age_s)
        )
    outcome = report.as_dict()
    logger.info("batch applied", extra=outcome)
    return outcome
