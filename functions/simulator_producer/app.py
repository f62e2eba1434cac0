"""Lambda handler: simulate one fleet shard for one time window and produce it to Kafka.

Thin: settings from ``VTS_*`` environment variables (``simulator.entry.settings``), the invocation
event parsed and run by ``simulator.entry.invocation``. Exactly once, for a retry at any delay
and a crash at any point:

- A window that completed is never produced again: Powertools Idempotency records it in
  DynamoDB (``VTS_IDEMPOTENCY_TABLE``) under ``window_key`` (scenario, seed, fleet, shard,
  window, topic prefix), so a retried, re-scheduled or hand-replayed window returns the
  recorded outcome (``"already_produced": true``) and sends nothing. A failed attempt's
  record is removed (the retry runs); an attempt killed mid-window holds its record only
  for the invocation's remaining time.
- A window that failed half-way leaves nothing visible: it is one Kafka transaction
  (``VTS_KAFKA_TRANSACTIONS``, default on) under the shard's ``transactional.id``, so the
  next attempt fences the old producer and aborts what it left open, and the job reads
  ``read_committed``.

The shard's producer is made on first use and kept for the container's life (made again
after a fatal error, such as being fenced). Any failed delivery raises, so the failure goes
to the on-failure destination.

Events: ``{"shard": 0, "scheduled_time": "<aws.scheduler.scheduled-time>"}`` from
EventBridge Scheduler, or ``{"shard": 0, "window_start": "...Z", "window_seconds": 60}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from simulator.entry.invocation import Invocation, parse_invocation, run_invocation, window_key
from simulator.entry.settings import SimulatorSettings
from simulator.exceptions import DeliveryFailedError
from simulator.outputs.producer import Producer

logger = Logger()
tracer = Tracer()
metrics = Metrics()
copy_config_to_registered_loggers(source_logger=logger, include={"simulator", "vts"})

WINDOW_KEY_PREFIX = "vts-simulator-window"
_producers: dict[tuple[SimulatorSettings, int], Producer] = {}
_guards: dict[tuple[str, int], tuple[IdempotencyConfig, Callable[..., dict[str, Any]]]] = {}


def _get_producer(settings: SimulatorSettings, shard: int) -> Producer:
    """The container's producer for the shard (made again if the configuration changed or
    the last one hit a fatal error)."""
    key = (settings, shard)
    producer = _producers.get(key)
    if producer is None or producer.broken:
        for old in [k for k in _producers if k[0] != settings]:
            del _producers[old]
        logger.info("connecting a producer to %s (%s)", settings.bootstrap, settings.auth_mode)
        producer = Producer.connect(
            settings.bootstrap,
            settings.kafka_auth(),
            topic_prefix=settings.topic_prefix,
            transactional_id=settings.transactional_id(shard),
        )
        _producers[key] = producer
    return producer


def _produce(
    window: dict[str, Any], settings: SimulatorSettings, invocation: Invocation
) -> dict[str, Any]:
    """Produce the window (``window`` is its idempotency key); the outcome, if it succeeded."""
    result = run_invocation(_get_producer(settings, invocation.shard), settings, invocation)
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


def _already_produced(response: Any, record: Any) -> Any:
    """Powertools' hook for a recorded window: say so, and count it."""
    metrics.add_metric(name="WindowsAlreadyProduced", unit=MetricUnit.Count, value=1)
    logger.info("window already produced: nothing sent", extra={"window": record.idempotency_key})
    return {**response, "already_produced": True}


def _guard(settings: SimulatorSettings) -> tuple[IdempotencyConfig, Callable[..., Any]] | None:
    """``_produce`` recorded in the DynamoDB table (``None`` when no table is configured)."""
    table = settings.idempotency_table
    if not table:
        return None
    key = (table, settings.idempotency_days)
    if key not in _guards:
        config = IdempotencyConfig(
            expires_after_seconds=settings.idempotency_days * 86_400,
            response_hook=_already_produced,
        )
        store = DynamoDBPersistenceLayer(table_name=table)
        guarded = idempotent_function(
            _produce,
            data_keyword_argument="window",
            persistence_store=store,
            config=config,
            key_prefix=WINDOW_KEY_PREFIX,  # not the module's name: the same in every build
        )
        _guards[key] = (config, guarded)
    return _guards[key]


@logger.inject_lambda_context(log_event=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    settings = SimulatorSettings.from_env()
    invocation = parse_invocation(event, settings)
    tracer.put_annotation("shard", str(invocation.shard))
    window = window_key(settings, invocation)
    guard = _guard(settings)
    if guard is None:
        logger.warning("VTS_IDEMPOTENCY_TABLE is not set: a retried window is produced again")
        return _produce(window, settings, invocation)
    config, guarded = guard
    config.register_lambda_context(context)  # an attempt killed mid-window holds the window
    outcome: dict[str, Any] = guarded(window=window, settings=settings, invocation=invocation)
    return outcome
