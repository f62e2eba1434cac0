"""One state per vehicle and per incident per batch: the batch's newest, by the store's
order (``vts.live.states``), so the store gets at most one write per vehicle; and the
newest ``vehicle_data`` event time per partition (the stream's clock, for ``silent``).

Records are the contract reader's (``MessageReader.read_many``): coalescing reads their
attributes and compares their event times as datetimes (aware: by the instant), so
nothing is built for a record that loses but its place in the trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from vts.live.states import (
    INCIDENT_TOPIC,
    NO_INCIDENT,
    VEHICLE_TOPICS,
    IncidentState,
    VehicleState,
    micros,
)
from vts.rules.places import RESOLVED

CLOCK_TOPIC = "vehicle_data"  # the rules' fixes: silence is judged by their time
RANK_TOPIC = {rank: topic for topic, rank in VEHICLE_TOPICS.items()}
Source = tuple[str, int]  # a record's Kafka topic and partition


class Coalescer:
    """Collects a batch's valid records; ``add``/``add_many`` say what they kept."""

    def __init__(self) -> None:
        self.vehicles: dict[str, VehicleState] = {}
        self.incidents: dict[str, IncidentState] = {}
        self.clocks: dict[Source, int] = {}  # (topic, partition) -> newest event time, µs

    def add(self, topic: str, record: Any, source: Source | None = None) -> bool:
        """Take a valid record of ``topic`` (from ``source``, its Kafka topic and
        partition); ``False`` when the live state has no use for it (another topic, a GPS
        message without a position, a "no incident" report)."""
        return self.add_many(topic, [record], source) == 1

    def add_many(self, topic: str, records: Iterable[Any], source: Source | None = None) -> int:
        """Take valid records of ``topic`` from ``source`` (``None`` entries are skipped);
        how many were of use to the live state."""
        rank = VEHICLE_TOPICS.get(topic)
        if rank is not None:
            kept, newest = self._vehicles(topic, rank, records)
            if source is not None and topic == CLOCK_TOPIC and newest is not None:
                t_us = micros(newest)
                if t_us > self.clocks.get(source, -1):
                    self.clocks[source] = t_us
            return kept
        if topic == INCIDENT_TOPIC:
            kept = 0
            for record in records:
                if record is not None and record.incident_type != NO_INCIDENT:
                    self._incident(record)
                    kept += 1
            return kept
        return 0

    def absorb(self, other: Coalescer) -> None:
        """Take in ``other``, another part of the same batch: its vehicles (one that both
        hold is coalesced from its points, by the same order), its incidents (which this
        one must not hold: the consumer gives a batch's incidents in one part) and its
        partitions' clocks."""
        vehicles = self.vehicles
        for vehicle_id, state in other.vehicles.items():
            if vehicle_id not in vehicles:
                vehicles[vehicle_id] = state
                continue
            for rank, _, record in state.points().values():
                self._vehicles(RANK_TOPIC[rank], rank, [record])
        if not self.incidents.keys().isdisjoint(other.incidents):
            raise ValueError("both parts hold reports of one incident")
        self.incidents.update(other.incidents)
        for source, t_us in other.clocks.items():
            if t_us > self.clocks.get(source, -1):
                self.clocks[source] = t_us

    def _vehicles(
        self, topic: str, rank: int, records: Iterable[Any]
    ) -> tuple[int, datetime | None]:
        """Coalesce ``records``: how many were kept, and the newest event time among them."""
        vehicles, kept, newest = self.vehicles, 0, None
        for r in records:
            if r is None or r.latitude is None:
                continue
            kept += 1
            vehicle_id, ts, event_id = r.vehicle_id, r.ts, r.event_id
            if newest is None or ts > newest:
                newest = ts
            state = vehicles.get(vehicle_id)
            if state is None:  # its trail is its own point until a second record comes
                vehicles[vehicle_id] = VehicleState(vehicle_id, ts, rank, event_id, r, topic)
                continue
            trail = state.trail
            if trail is None:
                trail = state.trail = state.points()
            if (ts, rank, event_id) > (state.ts, state.rank, state.event_id):
                state.ts, state.rank, state.event_id = ts, rank, event_id
                state.record, state.topic = r, topic
            point = trail.get(ts)
            if point is None or (rank, event_id) > point[:2]:
                trail[ts] = (rank, event_id, r)
        return kept, newest

    def _incident(self, record: Any) -> None:
        incident_id, event_id = record.incident_id, record.event_id
        t_us = micros(record.ts)
        resolved = t_us if record.status == RESOLVED else None
        state = self.incidents.get(incident_id)
        if state is None:
            self.incidents[incident_id] = IncidentState(
                incident_id, t_us, event_id, record, t_us, resolved
            )
            return
        first = min(t_us, state.t_us if state.first_us is None else state.first_us)
        if resolved is None or (state.resolved_us is not None and state.resolved_us <= t_us):
            resolved = state.resolved_us
        if (t_us, event_id) > state.key:
            state.t_us, state.event_id, state.record = t_us, event_id, record
        state.first_us, state.resolved_us = first, resolved
