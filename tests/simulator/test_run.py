"""Running a span window by window: real-time pacing, sinks, replay files."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from simulator import EventBatch, generate
from simulator.entry.run import FileSink, RunPlan, default_start, default_window_seconds, run

START = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


class ListSink:
    def __init__(self) -> None:
        self.written: list[Mapping[str, EventBatch]] = []
        self.closed = self.aborted = False

    def write(self, batches: Mapping[str, EventBatch]) -> None:
        self.written.append(batches)

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True


def test_realtime_waits_for_each_window_to_end() -> None:
    plan = RunPlan("city", 1, 4, START, duration_s=3, window_s=1, realtime=True)
    sleeps: list[float] = []
    sink = ListSink()
    summary = run(plan, sink, sleep=sleeps.append, now=lambda: START + timedelta(seconds=0.25))
    assert sleeps == [0.75, 1.75, 2.75]
    assert summary.windows == 3 and sink.closed
    assert summary.generated["vehicle_data"] == 3 * 4


def test_as_fast_as_possible_never_sleeps() -> None:
    plan = RunPlan("city", 1, 4, START, duration_s=5, window_s=2)
    sleeps: list[float] = []
    summary = run(plan, ListSink(), sleep=sleeps.append)
    assert sleeps == [] and summary.windows == 3 and summary.total > 0


def test_a_failing_sink_is_aborted() -> None:
    class Failing(ListSink):
        def write(self, batches: Mapping[str, EventBatch]) -> None:
            raise RuntimeError("disk full")

    sink = Failing()
    try:
        run(RunPlan("city", 1, 4, START, duration_s=2, window_s=1), sink)
    except RuntimeError:
        pass
    assert sink.aborted and not sink.closed


def test_file_sink_writes_replayable_envelopes() -> None:
    stream = io.BytesIO()
    batches = generate("city", 1, START, 5, vehicles=2)
    sink = FileSink(stream)
    sink.write(batches)
    sink.close()
    docs = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(docs) == sum(len(b) for b in batches.values()) and sink.bytes == len(
        stream.getvalue()
    )
    assert {d["topic"] for d in docs} == {t for t, b in batches.items() if len(b)}


def test_defaults() -> None:
    assert default_window_seconds(10, realtime=True) == 1.0
    assert default_window_seconds(100, realtime=False) == 60.0
    assert default_window_seconds(100_000, realtime=False) == 2.0
    now = datetime(2024, 3, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    assert default_start(600, realtime=False, now=now) == datetime(2024, 3, 1, 11, 50, tzinfo=UTC)
    assert default_start(600, realtime=True, now=now) == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
