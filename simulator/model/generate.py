"""``generate``: the events of one time window of one fleet shard, as a pure function.

Events depend on (scenario, seed, window, shard, fleet size, tick) only: the same call
gives identical events and ``event_id``s, consecutive windows concatenate to the events of
their union, and the shards of a fleet partition its events. That is what makes a retried
Lambda invocation harmless (downstream deduplicates on ``event_id``).

Within a topic, events are in time order (then entity), so per-key order holds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from simulator.events.batch import EventBatch
from simulator.exceptions import BadWindowError
from simulator.model import fleet as fleet_mod
from simulator.model.scenario import Scenario, load
from simulator.model.sensors import emergency_events, traffic_events, weather_events
from simulator.model.telemetry import vehicle_events
from simulator.model.text import to_unix_ms
from simulator.model.window import iso
from vts.contract.topics import TOPIC_NAMES

logger = logging.getLogger(__name__)


def _whole_ms(seconds: float, what: str) -> int:
    ms = round(seconds * 1000)
    if ms <= 0 or abs(ms - seconds * 1000) > 1e-6:
        raise BadWindowError(
            f"{what} {seconds!r}s is not a positive whole number of milliseconds",
            hint=f"give {what} in whole milliseconds, e.g. 60 or 0.5",
        )
    return ms


@dataclass(frozen=True)
class ShardSpan:
    """A checked span of one fleet shard: ``[t0_ms, t1_ms)`` since the scenario epoch
    (``epoch_ms``, Unix ms), with fixes every ``tick_ms``."""

    epoch_ms: int
    t0_ms: int
    t1_ms: int
    tick_ms: int


def shard_span(
    sc: Scenario,
    window_start: datetime,
    window_seconds: float,
    shard: int,
    shard_count: int,
    vehicles: int,
    tick_seconds: float,
) -> ShardSpan:
    """``generate``'s (and ``truth``'s) arguments checked: a shard of the fleet, a zone-aware
    start after the scenario epoch, whole milliseconds."""
    if not 0 <= shard < shard_count:
        raise BadWindowError(
            f"shard {shard} is not in 0..{shard_count - 1}",
            hint="pass a shard index below the shard count",
        )
    if vehicles < 1:
        raise BadWindowError(f"a fleet of {vehicles} vehicles", hint="simulate at least 1 vehicle")
    if window_start.tzinfo is None:
        raise BadWindowError(
            f"window start {window_start.isoformat()} has no time zone",
            hint="pass a zone-aware datetime (UTC)",
        )
    epoch_ms = to_unix_ms(sc.spec.epoch)
    try:
        start_ms = to_unix_ms(window_start)
    except ValueError as exc:
        raise BadWindowError(str(exc), hint="start windows on a whole millisecond") from None
    if start_ms < epoch_ms:
        raise BadWindowError(
            f"window start {iso(window_start)} is before the {sc.name!r} scenario epoch "
            f"{iso(sc.spec.epoch)}",
            hint="simulate times after the scenario epoch",
        )
    tick_ms = _whole_ms(tick_seconds, "tick_seconds")
    t0 = start_ms - epoch_ms
    return ShardSpan(epoch_ms, t0, t0 + _whole_ms(window_seconds, "window_seconds"), tick_ms)


def generate(
    scenario: str,
    seed: int,
    window_start: datetime,
    window_seconds: float,
    shard: int = 0,
    shard_count: int = 1,
    vehicles: int = 100,
    tick_seconds: float = 1.0,
) -> dict[str, EventBatch]:
    """Events of ``[window_start, window_start + window_seconds)`` for one fleet shard.

    ``vehicles`` is the size of the whole fleet; the shard holds fleet indices
    ``shard, shard + shard_count, ...`` (and the cameras' sightings of them, stations
    ``i % shard_count == shard`` and incident slots likewise). Each vehicle emits one
    ``vehicle_data`` and one ``gps_data`` event per tick (ticks at whole multiples of
    ``tick_seconds`` since the scenario epoch). Returns one batch per topic, in
    ``TOPIC_NAMES`` order (empty batches included).
    """
    sc = load(scenario)
    span = shard_span(sc, window_start, window_seconds, shard, shard_count, vehicles, tick_seconds)
    epoch_ms, tick_ms, t0, t1 = span.epoch_ms, span.tick_ms, span.t0_ms, span.t1_ms

    fleet = fleet_mod.build(scenario, seed, vehicles, shard, shard_count)
    ticks = np.arange(-(-t0 // tick_ms), -(-t1 // tick_ms), dtype=np.int64) * tick_ms
    vehicle, gps = vehicle_events(fleet, ticks, tick_ms, epoch_ms)
    batches = {
        "vehicle_data": vehicle,
        "gps_data": gps,
        "traffic_data": traffic_events(fleet, t0, t1, epoch_ms),
        "weather_data": weather_events(sc, seed, shard, shard_count, t0, t1, epoch_ms),
        "emergency_data": emergency_events(
            sc, seed, vehicles, shard, shard_count, t0, t1, epoch_ms
        ),
    }
    logger.debug(
        "generated %s for shard %d/%d of %d vehicles, window %s +%gs",
        {t: len(b) for t, b in batches.items()},
        shard,
        shard_count,
        vehicles,
        iso(window_start),
        window_seconds,
    )
    return {t: batches[t] for t in TOPIC_NAMES}
