"""One state per vehicle and per incident per batch: the batch's newest, by the store's
order (``vts.live.states``), so the store gets at most one write per vehicle; and the
newest ``vehicle_data`` event time per partition (the stream's clock, for ``silent``)."""

from __future__ import annotations

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


class Coalescer:
    """Collects a batch's valid records; ``add`` says whether it kept anything of one."""

    def __init__(self) -> None:
        self.vehicles: dict[str, VehicleState] = {}
        self.incidents: dict[str, IncidentState] = {}
        self.clocks: dict[tuple[str, int], int] = {}  # (topic, partition) -> newest µs

    def add(
        self, topic: str, record: dict[str, Any], source: tuple[str, int] | None = None
    ) -> bool:
        """Take a valid record of ``topic`` (from ``source``, its Kafka topic and
        partition); ``False`` when the live state has no use for it (another topic, a GPS
        message without a position, a "no incident" report)."""
        rank = VEHICLE_TOPICS.get(topic)
        if rank is not None:
            if record["latitude"] is None:
                return False
            t_us = self._vehicle(topic, rank, record)
            if source is not None and topic == CLOCK_TOPIC and t_us > self.clocks.get(source, -1):
                self.clocks[source] = t_us
            return True
        if topic == INCIDENT_TOPIC and record["incident_type"] != NO_INCIDENT:
            self._incident(record)
            return True
        return False

    def _vehicle(self, topic: str, rank: int, record: dict[str, Any]) -> int:
        vehicle_id, event_id = record["vehicle_id"], record["event_id"]
        t_us = micros(record["ts"])
        state = self.vehicles.get(vehicle_id)
        if state is None:
            state = VehicleState(vehicle_id, t_us, rank, event_id, record, topic)
            self.vehicles[vehicle_id] = state
        elif (t_us, rank, event_id) > state.key:
            state.t_us, state.rank, state.event_id = t_us, rank, event_id
            state.record, state.topic = record, topic
        point = state.trail.get(t_us)
        if point is None or (rank, event_id) > point[:2]:
            state.trail[t_us] = (rank, event_id, record)
        return t_us

    def _incident(self, record: dict[str, Any]) -> None:
        incident_id, event_id = record["incident_id"], record["event_id"]
        t_us = micros(record["ts"])
        resolved = t_us if record["status"] == RESOLVED else None
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
