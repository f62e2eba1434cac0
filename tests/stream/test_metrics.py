"""The job's per-batch metrics: joining Spark's progress with the sink's report, and
publishing to CloudWatch (moto's in-process mock of CloudWatch, no real account)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from vts.stream.metrics import (
    BatchMetrics,
    BatchMetricsCollector,
    CloudWatchMetrics,
    LogMetrics,
    MetricsPublisher,
    offsets_behind_latest,
)
from vts.stream.sink import BatchReport


class Recorder(MetricsPublisher):
    def __init__(self) -> None:
        self.published: list[BatchMetrics] = []

    def publish(self, metrics: BatchMetrics) -> None:
        self.published.append(metrics)


def _progress(batch_id: int, rows: int, *lags: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "batchId": batch_id,
        "numInputRows": rows,
        "batchDuration": 1500,
        "sources": [
            {
                "description": "KafkaV2[Subscribe[a,b]]",
                "metrics": {
                    "minOffsetsBehindLatest": low,
                    "avgOffsetsBehindLatest": mean,
                    "maxOffsetsBehindLatest": high,
                },
            }
            for low, mean, high in lags
        ],
    }


def _report(batch_id: int) -> BatchReport:
    return BatchReport(
        batch_id=batch_id,
        rows={"gps_data": 7, "vehicle_data": 5},
        quarantined=2,
        files=3,
        partitions=2,
        registered=0,
        seconds=0.4,
    )


def test_lag_is_the_worst_over_the_kafka_sources() -> None:
    lag = offsets_behind_latest(_progress(0, 1, ("0", "2.5", "9"), ("1", "7.0", "40"))["sources"])
    assert lag == {"min": 0.0, "avg": 7.0, "max": 40.0}
    assert offsets_behind_latest([{"description": "rate", "metrics": {}}]) == {}


def test_a_batch_joins_what_kafka_gave_with_what_the_sink_wrote() -> None:
    recorder = Recorder()
    collector = BatchMetricsCollector(recorder)
    collector.on_batch(_report(4))

    metrics = collector.on_progress(_progress(4, 15, ("0", "1.0", "3")))

    assert recorder.published == [metrics]
    assert (metrics.records_in, metrics.rows_written, metrics.quarantined) == (15, 12, 2)
    assert (metrics.files_written, metrics.batch_seconds) == (3, 1.5)
    assert metrics.offsets_behind_latest["max"] == 3.0


def test_a_stopping_job_waits_for_its_last_batchs_progress() -> None:
    """Spark posts a batch's progress on its listener thread after the batch: the job
    waits for it before it removes the listener, so the last batch is published too."""
    import threading
    import time

    class SlowRecorder(Recorder):  # e.g. a CloudWatch call
        def publish(self, metrics: BatchMetrics) -> None:
            time.sleep(0.2)
            super().publish(metrics)

    recorder = SlowRecorder()
    collector = BatchMetricsCollector(recorder)
    collector.on_batch(_report(0))
    assert collector.wait_published(0.05) is False  # the progress has not come yet
    late = threading.Timer(0.1, collector.on_progress, [_progress(0, 12)])
    late.start()
    assert collector.wait_published(5.0) is True
    assert [m.batch_id for m in recorder.published] == [0]  # published, not just received
    late.join()


def test_an_empty_batch_still_reports_the_lag() -> None:
    """No rows means no sink report, but the lag is what an operator alarms on."""
    recorder = Recorder()
    metrics = BatchMetricsCollector(recorder).on_progress(_progress(9, 0, ("5", "5.0", "5")))
    assert (metrics.records_in, metrics.rows_written, metrics.files_written) == (0, 0, 0)
    assert metrics.offsets_behind_latest == {"min": 5.0, "avg": 5.0, "max": 5.0}


def test_the_log_publisher_writes_one_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="vts.stream.metrics")
    BatchMetricsCollector(LogMetrics()).on_progress(_progress(1, 3, ("0", "0.0", "12")))
    assert "batch 1: 3 records in" in caplog.text
    assert "max offsets behind latest 12" in caplog.text


def test_the_log_line_says_where_the_batchs_time_went(caplog: pytest.LogCaptureFixture) -> None:
    """Spark's phases of the batch (a slow first batch: planning, or the sink?)."""
    caplog.set_level("INFO", logger="vts.stream.metrics")
    progress = _progress(0, 3)
    progress["durationMs"] = {
        "latestOffset": 410,
        "queryPlanning": 1250,
        "addBatch": 9000,
        "walCommit": 0,
        "triggerExecution": 10700,
    }
    metrics = BatchMetricsCollector(LogMetrics()).on_progress(progress)
    assert metrics.phases["addBatch"] == 9.0
    assert "triggerExecution" not in metrics.phases
    assert "(latestOffset 0.41s, queryPlanning 1.25s, addBatch 9.00s)" in caplog.text


def test_the_log_line_says_what_the_dedup_state_cost(caplog: pytest.LogCaptureFixture) -> None:
    """The state operators' task time of the batch, by kind, summed over operators: the
    eviction is what grows with the state (Spark reads every key for it)."""
    caplog.set_level("INFO", logger="vts.stream.metrics")
    progress = _progress(4, 3)
    progress["stateOperators"] = [
        {"allRemovalsTimeMs": 1200, "allUpdatesTimeMs": 300, "commitTimeMs": 40},
        {"allRemovalsTimeMs": 100, "allUpdatesTimeMs": None, "commitTimeMs": 10},
    ]
    metrics = BatchMetricsCollector(LogMetrics()).on_progress(progress)
    assert metrics.state == {"evict": 1.3, "update": 0.3, "commit": 0.05}
    assert "; state task time: evict 1.30s, update 0.30s, commit 0.05s" in caplog.text


def test_a_batch_without_state_operators_logs_no_state(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="vts.stream.metrics")
    metrics = BatchMetricsCollector(LogMetrics()).on_progress(_progress(5, 3))
    assert metrics.state == {} and "state task time" not in caplog.text


@pytest.fixture
def cloudwatch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def test_cloudwatch_gets_every_figure_under_the_job_name(cloudwatch: Any) -> None:
    publisher = CloudWatchMetrics("vts/streaming", "stack-streaming", client=cloudwatch)
    collector = BatchMetricsCollector(publisher)
    collector.on_batch(_report(0))
    collector.on_progress(_progress(0, 14, ("0", "2.0", "6")))

    listed = cloudwatch.list_metrics(Namespace="vts/streaming")["Metrics"]
    names = {m["MetricName"] for m in listed}
    assert names == {
        "RecordsIn",
        "RowsWritten",
        "Quarantined",
        "FilesWritten",
        "BatchSeconds",
        "MinOffsetsBehindLatest",
        "AvgOffsetsBehindLatest",
        "MaxOffsetsBehindLatest",
    }
    assert all(m["Dimensions"] == [{"Name": "JobName", "Value": "stack-streaming"}] for m in listed)


def test_a_cloudwatch_failure_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    class Refusing:
        def put_metric_data(self, **kwargs: Any) -> None:
            raise RuntimeError("AccessDenied")

    publisher = CloudWatchMetrics("vts/streaming", "job", client=Refusing())
    BatchMetricsCollector(publisher).on_progress(_progress(2, 1, ("0", "0", "0")))
    assert "cloudwatch:PutMetricData in namespace vts/streaming" in caplog.text
