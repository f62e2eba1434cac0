"""One simulator invocation: an event naming a shard and a window -> events produced to Kafka.

The Lambda handler is a thin shell around ``parse_invocation`` and ``run_invocation``.
Accepted events::

    {"shard": 0, "scheduled_time": "2024-03-01T10:01:00Z"}     # EventBridge Scheduler
    {"shard": 0, "window_start": "2024-03-01T10:00:00Z", "window_seconds": 60}   # by hand

A scheduled invocation covers the ``VTS_WINDOW_SECONDS`` before its scheduled time
(floored to a whole second); a manual one names its window (``window_seconds`` defaults
to ``VTS_WINDOW_SECONDS``).

``window_key`` is what defines a window's events (scenario, seed, fleet, shard, window)
and where they go (topic prefix): the Lambda records each completed window under it
(Powertools Idempotency), so a scheduled and a manual invocation of the same window are
the same window. ``run_invocation`` produces the window as one Kafka transaction when
the settings ask for transactions (``VTS_KAFKA_TRANSACTIONS``, default on).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.entry.settings import SimulatorSettings
from simulator.events.batch import EventBatch
from simulator.exceptions import BadWindowError
from simulator.model.generate import generate
from simulator.model.window import Window, iso, parse_time, scheduled_window
from simulator.outputs.delivery import DeliveryReport
from simulator.outputs.producer import Producer

logger = logging.getLogger(__name__)

_KEYS = {"shard", "scheduled_time", "window_start", "window_seconds"}


class InvalidInvocationError(BadWindowError):
    """The invocation event does not name a valid shard and window."""


@dataclass(frozen=True)
class Invocation:
    shard: int
    window: Window


@dataclass(frozen=True)
class InvocationResult:
    shard: int
    window: Window
    events: Mapping[str, int]
    report: DeliveryReport

    def as_dict(self) -> dict[str, Any]:
        return {
            "shard": self.shard,
            "window_start": iso(self.window.start),
            "window_seconds": self.window.seconds,
            "events": dict(self.events),
            "delivered": self.report.total_delivered,
            "failed": self.report.total_failed,
        }


def _bad(message: str) -> InvalidInvocationError:
    return InvalidInvocationError(
        message,
        hint='send {"shard": 0, "scheduled_time": "<ISO time>"} or '
        '{"shard": 0, "window_start": "2024-03-01T10:00:00Z", "window_seconds": 60}',
    )


def parse_invocation(event: Any, settings: SimulatorSettings) -> Invocation:
    """Validate an invocation event against the settings (shard count, window length)."""
    if not isinstance(event, Mapping):
        raise _bad(f"the invocation event must be a JSON object, not {type(event).__name__}")
    unknown = sorted(set(event) - _KEYS)
    if unknown:
        raise _bad(f"unknown keys in the invocation event: {', '.join(unknown)}")
    shard = event.get("shard")
    if isinstance(shard, bool) or not isinstance(shard, int):
        raise _bad(f"'shard' must be a whole number, got {shard!r}")
    if not 0 <= shard < settings.fleet_shards:
        raise _bad(f"shard {shard} is not in 0..{settings.fleet_shards - 1} (VTS_FLEET_SHARDS)")
    scheduled, start = event.get("scheduled_time"), event.get("window_start")
    if (scheduled is None) == (start is None):
        raise _bad("give exactly one of 'scheduled_time' and 'window_start'")
    if scheduled is not None:
        if "window_seconds" in event:
            raise _bad("'window_seconds' goes with 'window_start', not 'scheduled_time'")
        if not isinstance(scheduled, str):
            raise _bad(f"'scheduled_time' must be an ISO 8601 string, got {scheduled!r}")
        return Invocation(shard, scheduled_window(parse_time(scheduled), settings.window_seconds))
    if not isinstance(start, str):
        raise _bad(f"'window_start' must be an ISO 8601 string, got {start!r}")
    seconds = event.get("window_seconds", settings.window_seconds)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        raise _bad(f"'window_seconds' must be a positive number, got {seconds!r}")
    return Invocation(shard, Window(parse_time(start), float(seconds)))


def window_key(settings: SimulatorSettings, invocation: Invocation) -> dict[str, Any]:
    """Everything that defines the window's events and their destination (JSON-able)."""
    return {
        "scenario": settings.scenario,
        "seed": settings.seed,
        "fleet_vehicles": settings.fleet_vehicles,
        "fleet_shards": settings.fleet_shards,
        "shard": invocation.shard,
        "window_start": iso(invocation.window.start),
        "window_seconds": float(invocation.window.seconds),  # 60 and 60.0: one window
        "topic_prefix": settings.topic_prefix,
    }


def generate_invocation(
    settings: SimulatorSettings, invocation: Invocation
) -> dict[str, EventBatch]:
    """The batches an invocation produces (exactly what ``run_invocation`` sends)."""
    return generate(
        settings.scenario,
        settings.seed,
        invocation.window.start,
        invocation.window.seconds,
        shard=invocation.shard,
        shard_count=settings.fleet_shards,
        vehicles=settings.fleet_vehicles,
    )


def run_invocation(
    producer: Producer, settings: SimulatorSettings, invocation: Invocation
) -> InvocationResult:
    """Generate the window of the shard, produce it (one transaction on a transactional
    producer), flush, and count (failures included)."""
    batches = generate_invocation(settings, invocation)
    producer.report(reset=True)
    with producer.transaction():
        producer.produce_batches(batches.values())
        report = producer.flush()
        if producer.transactional_id:  # a partial window is aborted, never committed
            producer.raise_for_failures(report)
    logger.info(
        "shard %d window %s +%gs: delivered %d, failed %d in %.2fs",
        invocation.shard,
        iso(invocation.window.start),
        invocation.window.seconds,
        report.total_delivered,
        report.total_failed,
        report.elapsed_s,
    )
    return InvocationResult(
        invocation.shard, invocation.window, {t: len(b) for t, b in batches.items()}, report
    )
