"""Simulate a span of time window by window into a sink: Kafka, or a JSON-lines file.

``run(plan, sink)`` walks ``[start, start + duration)`` in consecutive windows, generates
each (``generate``), and hands the batches to the sink. With ``realtime`` each window is
produced once the wall clock has passed its end (events are never ahead of the clock);
otherwise as fast as possible.

The file format (``FileSink``) is one JSON object per line, replayable to Kafka as is::

    {"topic": "vehicle_data", "key": "VEH-000042", "value": {"event_id": "...", ...}}
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from simulator.events.batch import EventBatch
from simulator.model.generate import generate
from simulator.model.window import Window, windows
from simulator.outputs.delivery import DeliveryReport
from simulator.outputs.producer import Producer
from vts.contract.topics import TOPIC_NAMES

logger = logging.getLogger(__name__)

# vehicle-ticks per window when running as fast as possible (memory stays ~ a few hundred MB)
FAST_WINDOW_VEHICLE_TICKS = 200_000


@dataclass(frozen=True)
class RunPlan:
    scenario: str
    seed: int
    vehicles: int
    start: datetime
    duration_s: float
    window_s: float
    shard: int = 0
    shard_count: int = 1
    tick_s: float = 1.0
    realtime: bool = False

    def windows(self) -> Iterator[Window]:
        return windows(self.start, self.duration_s, self.window_s)


def default_window_seconds(vehicles: int, realtime: bool, tick_s: float = 1.0) -> float:
    """1 s in real time; else as long as keeps a window near ``FAST_WINDOW_VEHICLE_TICKS``."""
    if realtime:
        return max(1.0, tick_s)
    ticks = max(1, min(60, FAST_WINDOW_VEHICLE_TICKS // max(vehicles, 1)))
    return float(ticks) * tick_s


def default_start(duration_s: float, realtime: bool, now: datetime | None = None) -> datetime:
    """Real time starts now; otherwise the span ends now (so no event is in the future)."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    return now if realtime else now - timedelta(seconds=duration_s)


class Sink(Protocol):
    def write(self, batches: Mapping[str, EventBatch]) -> None: ...
    def close(self) -> DeliveryReport | None: ...
    def abort(self) -> None: ...


class KafkaSink:
    """Produces every batch (flushing only at the end, backpressure in between)."""

    def __init__(self, producer: Producer) -> None:
        self.producer = producer

    def write(self, batches: Mapping[str, EventBatch]) -> None:
        self.producer.produce_batches(batches.values())
        self.producer.poll(0)

    def close(self) -> DeliveryReport:
        return self.producer.flush()

    def abort(self) -> None:
        """After an error: deliver what is queued for a little while, raise nothing."""
        self.producer.__exit__(RuntimeError, None, None)


class FileSink:
    """Writes ``{"topic", "key", "value"}`` JSON lines to a binary stream or file."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self._own = isinstance(target, Path)
        self.stream: IO[bytes] = target.open("wb") if isinstance(target, Path) else target
        self.bytes = 0

    def write(self, batches: Mapping[str, EventBatch]) -> None:
        for batch in batches.values():
            if len(batch):
                data = batch.to_json_bytes(envelope=True)
                self.stream.write(data)
                self.bytes += len(data)

    def close(self) -> None:
        self.stream.flush()
        if self._own:
            self.stream.close()

    def abort(self) -> None:
        self.close()


@dataclass
class RunSummary:
    generated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOPIC_NAMES, 0))
    windows: int = 0
    elapsed_s: float = 0.0
    report: DeliveryReport | None = None

    @property
    def total(self) -> int:
        return sum(self.generated.values())

    def rows(self) -> list[dict[str, Any]]:
        delivered = self.report.delivered if self.report else {}
        failed = self.report.failed if self.report else {}
        return [
            {
                "topic": t,
                "generated": n,
                "delivered": delivered.get(t, 0) if self.report else None,
                "failed": failed.get(t, 0) if self.report else None,
            }
            for t, n in self.generated.items()
        ]


def run(
    plan: RunPlan,
    sink: Sink,
    *,
    on_window: Callable[[Window, RunSummary], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RunSummary:
    """Generate ``plan`` window by window into ``sink``; the sink is closed at the end."""
    summary = RunSummary()
    started = time.monotonic()
    try:
        for window in plan.windows():
            if plan.realtime:
                wait = (window.end - now()).total_seconds()
                if wait > 0:
                    sleep(wait)
            batches = generate(
                plan.scenario,
                plan.seed,
                window.start,
                window.seconds,
                shard=plan.shard,
                shard_count=plan.shard_count,
                vehicles=plan.vehicles,
                tick_seconds=plan.tick_s,
            )
            sink.write(batches)
            for topic, batch in batches.items():
                summary.generated[topic] += len(batch)
            summary.windows += 1
            summary.elapsed_s = time.monotonic() - started
            if on_window is not None:
                on_window(window, summary)
    except BaseException:
        sink.abort()
        raise
    summary.report = sink.close()
    summary.elapsed_s = time.monotonic() - started
    return summary
