"""Lambda handler: simulate one fleet shard for one time window and produce it to Kafka.

Thin: settings from ``VTS_*`` environment variables (``simulator.settings``), the invocation
event parsed and run by ``simulator.invocation``. The Kafka producer is made on first use
and kept for the container's life (bootstrap servers come from configuration, no lookup per
call). Events are a pure function of (scenario, seed, window, shard), so a retried
invocation re-sends the same ``event_id``s and downstream dedup absorbs them; any failed
delivery raises, so the failure goes to the on-failure destination.

Events: ``{"shard": 0, "scheduled_time": "<aws.scheduler.scheduled-time>"}`` from
EventBridge Scheduler, or ``{"shard": 0, "window_start": "...Z", "window_seconds": 60}``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from simulator.exceptions import DeliveryFailedError
from simulator.invocation import parse_invocation, run_invocation
from simulator.producer import Producer
from simulator.settings import SimulatorSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
copy_config_to_registered_loggers(source_logger=logger, include={"simulator", "vts"})

_producer: Producer | None = None
_producer_settings: SimulatorSettings | None = None


def _get_producer(settings: SimulatorSettings) -> Producer:
    """The container's producer (made again only if the configuration changed)."""
    global _producer, _producer_settings
    if _producer is None or settings != _producer_settings:
        logger.info("connecting a producer to %s (%s)", settings.bootstrap, settings.auth_mode)
        _producer = Producer.connect(
            settings.bootstrap, settings.kafka_auth(), topic_prefix=settings.topic_prefix
        )
        _producer_settings = settings
    return _producer


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    settings = SimulatorSettings.from_env()
    invocation = parse_invocation(event, settings)
    tracer.put_annotation("shard", str(invocation.shard))
    result = run_invocation(_get_producer(settings), settings, invocation)
    metrics.add_metric(
        name="EventsDelivered", unit=MetricUnit.Count, value=result.report.total_delivered
    )
    metrics.add_metric(name="EventsFailed", unit=MetricUnit.Count, value=result.report.total_failed)
    metrics.add_metric(
        name="EventsPerSecond", unit=MetricUnit.CountPerSecond, value=result.report.events_per_s
    )
    outcome = result.as_dict()
    logger.info("window produced", extra=outcome)
    if result.report.total_failed:
        raise DeliveryFailedError(result.report.failed, result.report.first_error)
    return outcome
