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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from operator import attrgetter
from typing import Any, get_type_hints

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


TIME_DIGITS = "016d"  # an event time in microseconds as the store writes it (time_text)


def time_text(t_us: int) -> str:
    """An event time in microseconds as the store's 16 digits (zero-padded: the contract's
    times, 2000 to 2286, then sort as texts, which is how the write script compares them)."""
    return f"{t_us:{TIME_DIGITS}}"


def in_utc(ts: datetime) -> datetime:
    """``ts`` in UTC, which msgspec writes as ISO 8601 with a ``Z``, microseconds when not
    0 (``2024-06-01T12:00:00.500000Z``), in C: states are encoded with their datetimes."""
    if ts.tzinfo is not UTC:  # the reader gives UTC itself for "...Z" and "+00:00"
        ts = ts.astimezone(UTC)
    return ts


@cache
def state_type(topic: str) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``V``'s struct for a topic's records, generated from the contract's
    (``vts.contract.structs``): its fields but ``DROPPED``, ``ts`` a datetime, then
    ``topic``; null fields are left out when encoded (``omit_defaults``) but ``ALWAYS``.
    Returned with the getter of its fields' values from a record, in its order."""
    from vts.contract.events import event_type
    from vts.contract.structs import event_struct

    struct = event_struct(event_type(topic))
    hints = get_type_hints(struct, include_extras=True)
    required = len(struct.__struct_fields__) - len(struct.__struct_defaults__)
    first: list[tuple[str, Any]] = []
    rest: list[tuple[str, Any, Any]] = []
    for i, name in enumerate(struct.__struct_fields__):
        kind = datetime if name == "ts" else hints[name]
        if name in DROPPED:
            continue
        if i < required or name in ALWAYS:
            first.append((name, kind))
        else:
            rest.append((name, kind, None))
    names = [f[0] for f in first] + [f[0] for f in rest]
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [*first, *rest, ("topic", str, "")]
    made = msgspec.defstruct("State", fields, omit_defaults=True, gc=False)
    return made, attrgetter(*names)


class TrailPoint(msgspec.Struct, gc=False):
    """A trail point as the API serves it."""

    ts: datetime
    latitude: float
    longitude: float
    speed_kmh: float


class VehicleState(msgspec.Struct, gc=False):
    """A vehicle's newest state in a batch, and the batch's trail points for it.

    ``record`` and the trail's records are the contract reader's records
    (``vts.contract.reader.MessageReader.read_many``: attributes, ``ts`` an aware
    datetime); the trail maps an event time to ``(rank, event_id, record)``, the winner of
    that time by the same order as the state. A struct (mutable, slotted, made in C: a
    batch makes one per vehicle, and a dataclass costs twice as much to make); it holds
    no cycle, so the garbage collector need not track it."""

    vehicle_id: str
    ts: datetime
    rank: int
    event_id: str
    record: Any
    topic: str
    trail: dict[datetime, tuple[int, str, Any]] = {}

    @property
    def t_us(self) -> int:
        return micros(self.ts)

    @property
    def key(self) -> tuple[int, int, str]:
        return self.t_us, self.rank, self.event_id

    def state(self) -> Any:
        """``V`` as a struct (``state_type``): the record's non-null fields (``heading_deg``
        even when null), ``ts`` in UTC, and the topic it came from."""
        make, fields = state_type(self.topic)
        v = make(*fields(self.record))
        v.ts = in_utc(v.ts)
        v.topic = self.topic
        return v

    def state_json(self) -> bytes:
        """``V`` as JSON."""
        return _encode(self.state())

    def trail_texts(self) -> list[str]:
        """``trail_points`` flat, as text: ``[t, point, t, point, ...]`` (``t``: ``time_text``)."""
        return [x for t, point in self.trail_points() for x in (time_text(t), point.decode())]

    def trail_points(self) -> list[tuple[int, bytes]]:
        """``(t_us, {"ts", "latitude", "longitude", "speed_kmh"})`` per event time, oldest
        first."""
        trail = self.trail
        times = sorted(trail) if len(trail) > 1 else trail
        out = []
        for ts in times:
            r = trail[ts][2]
            point = TrailPoint(in_utc(ts), r.latitude, r.longitude, r.speed_kmh)
            out.append((micros(ts), _encode(point)))
        return out


def order_keys(states: Sequence[VehicleState]) -> list[str]:
    """Each state's ``key`` as the store compares it: ``"<time_text> <rank> <event_id>"``,
    fixed widths (a rank is one digit, an event_id a UUID), so the texts order as the keys
    (one loop, no call a state: the handler makes one a record)."""
    return [f"{(v.ts - _EPOCH) // _US:{TIME_DIGITS}} {v.rank} {v.event_id}" for v in states]


def trails_texts(states: Sequence[VehicleState]) -> list[str | list[str]]:
    """Each state's trail as the store's write script takes it: the point's text when the
    trail is the state's own point (a batch with one record per vehicle), else
    ``trail_texts``. One-point trails are encoded in one call and split: a trail point
    holds no string but its time, so ``},{`` occurs in the encoded list only between
    points."""
    one = [len(v.trail) == 1 and v.ts in v.trail for v in states]
    # a one-point trail's point is the state's record
    points = [
        TrailPoint(in_utc(r.ts), r.latitude, r.longitude, r.speed_kmh)
        for r in [v.record for v, alone in zip(states, one, strict=True) if alone]
    ]
    texts = _encode(points).decode()[1:-1].replace("},{", "}\n{").split("\n") if points else []
    if len(points) == len(states):
        return [*texts]
    singles = iter(texts)
    return [
        next(singles) if alone else v.trail_texts() for v, alone in zip(states, one, strict=True)
    ]


def number_texts(values: list[float]) -> list[str]:
    """Numbers as their shortest round-trip text (msgspec's JSON; Lua and the server read
    them exactly), in one call."""
    return _encode(values).decode()[1:-1].split(",") if values else []


@dataclass(slots=True)
class IncidentState:
    """An incident's newest event in a batch, with the time of the batch's first report
    of it and of its first ``Resolved`` one (the live alerts' span: a batch may hold
    several reports of an incident, and its newest is not when it began)."""

    incident_id: str
    t_us: int
    event_id: str
    record: Any
    first_us: int | None = None  # None: t_us
    resolved_us: int | None = None

    @property
    def key(self) -> tuple[int, str]:
        return self.t_us, self.event_id

    @property
    def status(self) -> str:
        return str(self.record.status)

    def state_json(self) -> bytes:
        """``I``: the emergency_data contract fields, ``ts`` in UTC."""
        i = {k: x for k, x in msgspec.structs.asdict(self.record).items() if k not in DROPPED}
        i["ts"] = in_utc(i["ts"])
        return _encode(i)
