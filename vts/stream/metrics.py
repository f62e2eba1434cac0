"""The streaming job's own metrics, published once per micro-batch.

Glue publishes consumer lag only for its own Kafka source; this job reads with Spark's
(``spark.readStream.format("kafka")``), so it reports its health itself. After each
micro-batch a ``StreamingQueryListener`` joins Spark's query progress (records read from
Kafka, batch duration, and the Kafka source's ``minOffsetsBehindLatest`` /
``avgOffsetsBehindLatest`` / ``maxOffsetsBehindLatest``) with what the sink wrote
(quarantined rows, files) and hands one ``BatchMetrics`` to a publisher:

* ``log``: one log line per batch (local runs), which also says where the batch's time
  went (Spark's ``durationMs``: e.g. ``latestOffset``, ``queryPlanning``, ``addBatch`` (the
  sink), ``walCommit``);
* ``cloudwatch``: ``PutMetricData`` into ``--metrics_namespace`` with the dimension
  ``JobName`` (on AWS; the template's ``ConsumerLagAlarm`` watches
  ``MaxOffsetsBehindLatest`` and the job's role may write this namespace only).
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vts.exceptions import ConfigError
from vts.stream.sink import BatchReport

logger = logging.getLogger(__name__)

PUBLISHERS = ("log", "cloudwatch")
DEFAULT_NAMESPACE = "vts/streaming"
# Kafka source metrics in Spark 3.5's query progress (KafkaMicroBatchStream.metrics).
LAG_KEYS = {
    "min": "minOffsetsBehindLatest",
    "avg": "avgOffsetsBehindLatest",
    "max": "maxOffsetsBehindLatest",
}


@dataclass(frozen=True)
class BatchMetrics:
    """One micro-batch as an operator watches it."""

    batch_id: int
    records_in: int
    rows_written: int
    quarantined: int
    files_written: int
    batch_seconds: float
    offsets_behind_latest: Mapping[str, float]  # "min"/"avg"/"max", empty when unknown
    # Spark's durationMs of the batch in seconds, by phase (triggerExecution left out)
    phases: Mapping[str, float] = field(default_factory=dict)
    # the dedup state's work in the batch (``state_work``): seconds summed over its tasks
    state: Mapping[str, float] = field(default_factory=dict)

    def datums(self) -> list[tuple[str, float, str]]:
        """``(metric name, value, CloudWatch unit)`` for each figure."""
        datums = [
            ("RecordsIn", float(self.records_in), "Count"),
            ("RowsWritten", float(self.rows_written), "Count"),
            ("Quarantined", float(self.quarantined), "Count"),
            ("FilesWritten", float(self.files_written), "Count"),
            ("BatchSeconds", self.batch_seconds, "Seconds"),
        ]
        for which, value in sorted(self.offsets_behind_latest.items()):
            datums.append((f"{which.capitalize()}OffsetsBehindLatest", value, "Count"))
        return datums


# Spark's names for the state operators' work (``stateOperators`` of a batch's progress):
# the eviction of keys past the watermark (Spark 3.5's dedup reads every key of its state
# for it, each batch), the batch's own keys' updates, and the state's commit.
STATE_WORK = {"evict": "allRemovalsTimeMs", "update": "allUpdatesTimeMs", "commit": "commitTimeMs"}


def state_work(operators: list[Mapping[str, Any]]) -> dict[str, float]:
    """The state operators' seconds of each kind of ``STATE_WORK`` in a batch, summed over
    the operators and their tasks (so more than the batch's wall time where tasks ran side
    by side); empty when the batch had no state operator."""
    if not operators:
        return {}
    return {
        name: sum(float(op.get(key) or 0) for op in operators) / 1000.0
        for name, key in STATE_WORK.items()
    }


def offsets_behind_latest(sources: list[Mapping[str, Any]]) -> dict[str, float]:
    """Lag over every Kafka source of a progress report (worst case across sources)."""
    lag: dict[str, float] = {}
    for source in sources:
        metrics = source.get("metrics") or {}
        for which, key in LAG_KEYS.items():
            if metrics.get(key) in (None, ""):
                continue
            value = float(metrics[key])
            pick = min if which == "min" else max
            lag[which] = pick(lag[which], value) if which in lag else value
    return lag


class MetricsPublisher(ABC):
    """Where a batch's metrics go."""

    @abstractmethod
    def publish(self, metrics: BatchMetrics) -> None: ...


class LogMetrics(MetricsPublisher):
    """One INFO line per batch."""

    def publish(self, metrics: BatchMetrics) -> None:
        lag = metrics.offsets_behind_latest
        phases = ", ".join(f"{name} {s:.2f}s" for name, s in metrics.phases.items() if s)
        state = ", ".join(f"{name} {s:.2f}s" for name, s in metrics.state.items())
        logger.info(
            "batch %d: %d records in, %d rows written, %d quarantined, %d files, %.2fs, "
            "max offsets behind latest %s (%s)%s",
            metrics.batch_id,
            metrics.records_in,
            metrics.rows_written,
            metrics.quarantined,
            metrics.files_written,
            metrics.batch_seconds,
            "unknown" if "max" not in lag else f"{lag['max']:.0f}",
            phases or "no phases",
            f"; state task time: {state}" if state else "",
        )


class CloudWatchMetrics(MetricsPublisher):
    """``PutMetricData`` into ``namespace`` with the dimension ``JobName``."""

    def __init__(self, namespace: str, job_name: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("cloudwatch")
        self.namespace = namespace
        self.job_name = job_name
        self.client = client

    def publish(self, metrics: BatchMetrics) -> None:
        dimensions = [{"Name": "JobName", "Value": self.job_name}]
        data = [
            {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
            for name, value, unit in metrics.datums()
        ]
        try:
            self.client.put_metric_data(Namespace=self.namespace, MetricData=data)
        except Exception as exc:  # noqa: BLE001 - metrics must never stop the job
            logger.warning(
                "could not publish batch %d's metrics to CloudWatch (%s): check that the "
                "job's role may cloudwatch:PutMetricData in namespace %s",
                metrics.batch_id,
                exc,
                self.namespace,
            )


def make_publisher(kind: str, *, namespace: str, job_name: str) -> MetricsPublisher:
    """The publisher ``--metrics`` names."""
    if kind == "log":
        return LogMetrics()
    if kind == "cloudwatch":
        return CloudWatchMetrics(namespace, job_name)
    raise ConfigError(f"unknown metrics publisher {kind!r}", hint=f"use {' or '.join(PUBLISHERS)}")


class BatchMetricsCollector:
    """Joins the sink's per-batch reports with Spark's progress, then publishes.

    ``on_batch`` is the sink's callback (runs while the batch commits);
    ``on_progress`` gets the query progress as a dict (runs on Spark's listener thread
    once the batch is done).
    """

    def __init__(self, publisher: MetricsPublisher) -> None:
        self.publisher = publisher
        self._reports: dict[int, BatchReport] = {}
        self._unpublished: set[int] = set()  # batches the sink reported, not yet published
        self._lock = threading.Condition()

    def on_batch(self, report: BatchReport) -> None:
        with self._lock:
            self._reports[report.batch_id] = report
            self._unpublished.add(report.batch_id)

    def wait_published(self, timeout: float) -> bool:
        """Wait until every batch the sink reported has been published (Spark posts a
        batch's progress after the batch, on another thread: a job that stops right after
        its last batch would otherwise drop that batch's metrics). ``False`` on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._unpublished, timeout)

    def on_progress(self, progress: Mapping[str, Any]) -> BatchMetrics:
        batch_id = int(progress["batchId"])
        try:
            return self._publish(batch_id, progress)
        finally:
            with self._lock:
                self._unpublished = {b for b in self._unpublished if b > batch_id}
                self._lock.notify_all()

    def _publish(self, batch_id: int, progress: Mapping[str, Any]) -> BatchMetrics:
        with self._lock:
            report = self._reports.pop(batch_id, None)
            for older in [b for b in self._reports if b < batch_id]:
                del self._reports[older]
        durations = progress.get("durationMs") or {}
        seconds = float(progress.get("batchDuration") or durations.get("triggerExecution") or 0)
        metrics = BatchMetrics(
            batch_id=batch_id,
            records_in=int(progress.get("numInputRows") or 0),
            rows_written=report.events if report else 0,
            quarantined=report.quarantined if report else 0,
            files_written=report.files if report else 0,
            batch_seconds=seconds / 1000.0,
            offsets_behind_latest=offsets_behind_latest(list(progress.get("sources") or [])),
            phases={
                name: float(ms) / 1000.0
                for name, ms in durations.items()
                if name != "triggerExecution" and ms is not None
            },
            state=state_work(list(progress.get("stateOperators") or [])),
        )
        self.publisher.publish(metrics)
        return metrics
