"""Lambda handler: the live consumer, invoked by the MSK event source mappings and, while
the topics may be quiet, by the stack's schedule (``{"vts": "sweep"}``).

Thin: ``vts.live.deployed.LiveFunction`` (kept per container: its connection pool and the
reference tables) applies the event to the store (decode with the contract, skip and count
invalid messages, coalesce per vehicle, one pipelined write, the alerts' rules), raises the
silences due and sends new alerts to the stack's event bus. Metrics (namespace
``POWERTOOLS_METRICS_NAMESPACE``): ``Records``, ``InvalidRecords``, ``VehiclesWritten``,
``IncidentsWritten``, ``AlertsChanged``, ``SilentRaised``, ``AlertsPublished``,
``AlertsPublishFailed`` and ``RecordAge`` (seconds from the batch's oldest record's Kafka
timestamp to its handling: the lag the alarm watches; the mapping's own ``OffsetLag``
counts records). A store that does not answer, or reference tables that are missing,
raise, so the mapping retries the batch; the store's newest-wins rule and the alerts'
deterministic ids make a retry harmless.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from vts.live.deployed import LiveFunction
from vts.live.settings import LiveSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
copy_config_to_registered_loggers(source_logger=logger, include={"vts"})

_functions: dict[LiveSettings, LiveFunction] = {}


def _function(settings: LiveSettings) -> LiveFunction:
    """The container's function (connection pool and reference tables kept between
    invocations)."""
    function = _functions.get(settings)
    if function is None:
        _functions.clear()
        function = _functions[settings] = LiveFunction.from_env(settings)
    return function


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    done = _function(LiveSettings.from_env()).invoke(event)
    count = MetricUnit.Count
    report = done.report
    if report is not None:
        metrics.add_metric(name="Records", unit=count, value=report.records)
        metrics.add_metric(name="InvalidRecords", unit=count, value=report.invalid)
        metrics.add_metric(name="VehiclesWritten", unit=count, value=report.written)
        metrics.add_metric(name="IncidentsWritten", unit=count, value=report.incidents_written)
        metrics.add_metric(name="AlertsChanged", unit=count, value=report.alerts_changed)
        if report.max_record_age_s is not None:
            metrics.add_metric(
                name="RecordAge", unit=MetricUnit.Seconds, value=max(0.0, report.max_record_age_s)
            )
    metrics.add_metric(name="SilentRaised", unit=count, value=done.silent)
    metrics.add_metric(name="AlertsPublished", unit=count, value=done.published)
    metrics.add_metric(name="AlertsPublishFailed", unit=count, value=int(done.publish_failed))
    outcome = done.as_dict()
    logger.info("batch applied" if report is not None else "swept", extra=outcome)
    return outcome
