"""What the store keeps of an event: a vehicle's state ``V`` and an incident ``I``.

``vehicle_state`` turns a valid ``vehicle_data`` or ``gps_data`` record into the state the
API serves (the contract's field names, ``ts`` in ISO 8601 UTC, ``topic``), with the key
that orders states: ``(event time in microseconds, topic rank, event_id)``. The greater
key wins everywhere: in a batch (``vts.live.coalesce``) and on the server
(``lua/write_vehicles.lua``). Equal event times are broken by the topic (``vehicle_data``,
which carries the vehicle's identity, over ``gps_data``) and then by ``event_id``, so the
winner never depends on the order events arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

VEHICLE_TOPICS = {"vehicle_data": 1, "gps_data": 0}  # topic -> rank at equal event times
INCIDENT_TOPIC = "emergency_data"
NO_INCIDENT = "None"  # the tutorial's "no incident" report: not an incident
ALWAYS = ("heading_deg",)  # V fields kept when null
DROPPED = ("schema_version",)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_encode = msgspec.json.Encoder().encode


def micros(ts: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch (exact)."""
    return (ts - _EPOCH) // _US


def in_utc(ts: datetime) -> datetime:
    """``ts`` in UTC, which msgspec writes as ISO 8601 with a ``Z``, microseconds when not
    0 (``2024-06-01T12:00:00.500000Z``), in C: states are encoded with their datetimes."""
    if ts.tzinfo is not UTC:  # the reader gives UTC itself for "...Z" and "+00:00"
        ts = ts.astimezone(UTC)
    return ts


@dataclass(slots=True)
class VehicleState:
    """A vehicle's newest state in a batch, and the batch's trail points for it."""

    vehicle_id: str
    t_us: int
    rank: int
    event_id: str
    record: dict[str, Any]
    topic: str
    trail: dict[int, tuple[int, str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, str]:
        return self.t_us, self.rank, self.event_id

    def state_json(self) -> bytes:
        """``V``: the record's non-null fields (``heading_deg`` even when null), ``ts`` in
        UTC, and the topic it came from."""
        v = {k: x for k, x in self.record.items() if x is not None or k in ALWAYS}
        for k in DROPPED:
            v.pop(k, None)
        v["ts"] = in_utc(v["ts"])
        v["topic"] = self.topic
        return _encode(v)

    def trail_points(self) -> list[tuple[int, bytes]]:
        """``(t_us, {"ts", "latitude", "longitude", "speed_kmh"})`` per event time, the
        winner of each time by the same order as the state, oldest first."""
        return [
            (
                t_us,
                _encode(
                    {
                        "ts": in_utc(r["ts"]),
                        "latitude": r["latitude"],
                        "longitude": r["longitude"],
                        "speed_kmh": r["speed_kmh"],
                    }
                ),
            )
            for t_us, (_, _, r) in sorted(self.trail.items())
        ]


@dataclass(slots=True)
class IncidentState:
    """An incident's newest event in a batch, with the time of the batch's first report
    of it and of its first ``Resolved`` one (the live alerts' span: a batch may hold
    several reports of an incident, and its newest is not when it began)."""

    incident_id: str
    t_us: int
    event_id: str
    record: dict[str, Any]
    first_us: int | None = None  # None: t_us
    resolved_us: int | None = None

    @property
    def key(self) -> tuple[int, str]:
        return self.t_us, self.event_id

    @property
    def status(self) -> str:
        return str(self.record["status"])

    def state_json(self) -> bytes:
        """``I``: the emergency_data contract fields, ``ts`` in UTC."""
        i = {k: x for k, x in self.record.items() if k not in DROPPED}
        i["ts"] = in_utc(i["ts"])
        return _encode(i)
