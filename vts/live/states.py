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
from operator import itemgetter
from typing import Any, get_type_hints

import msgspec
from msgspec.structs import astuple

VEHICLE_TOPICS = {"vehicle_data": 1, "gps_data": 0}  # topic -> rank at equal event times
INCIDENT_TOPIC = "emergency_data"
NO_INCIDENT = "None"  # the tutorial's "no incident" report: not an incident
ALWAYS = ("heading_deg",)  # V fields kept when null
DROPPED = ("schema_version",)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_encode = msgspec.json.Encoder().encode


def micros(ts: datetime) -> int:
    """An aware datetime as whole microseconds since the Unix epoch (exact)."""
    d = ts - _EPOCH  # its fields read: dividing by a microsecond makes more big ints
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


TIME_DIGITS = 16  # an event time in microseconds as the store writes it (time_text)


def time_text(t_us: int) -> str:
    """An event time in microseconds as the store's 16 digits (zero-padded: the contract's
    times, 2000 to 2286, then sort as texts, which is how the write script compares them)."""
    return str(t_us).zfill(TIME_DIGITS)


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
    Returned with the getter of its fields' values, in its order, from a record's values
    (``msgspec.structs.astuple``: read in C, where a getter of attributes looks each up)."""
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
    return made, itemgetter(*[struct.__struct_fields__.index(name) for name in names])


class TrailPoint(msgspec.Struct, gc=False):
    """A trail point as the API serves it."""

    ts: datetime
    latitude: float
    longitude: float
    speed_kmh: float | None


class VehicleState(msgspec.Struct, gc=False):
    """A vehicle's newest state in a batch, and the batch's trail points for it.

    ``record`` and the trail's records are the contract reader's records
    (``vts.contract.reader.MessageReader.read_many``: attributes, ``ts`` an aware
    datetime); the trail (``points``) maps an event time to ``(rank, event_id, record)``,
    the winner of that time by the same order as the state, and is ``None`` while it is
    the state's own point alone (most vehicles' in a batch: no dict made). A struct
    (mutable, slotted, made in C: a batch makes one per vehicle, and a dataclass costs
    twice as much to make); it holds no cycle, so the garbage collector need not track
    it."""

    vehicle_id: str
    ts: datetime
    rank: int
    event_id: str
    record: Any
    topic: str
    trail: dict[datetime, tuple[int, str, Any]] | None = None

    def points(self) -> dict[datetime, tuple[int, str, Any]]:
        """The batch's trail points: event time -> ``(rank, event_id, record)``."""
        if self.trail is None:
            return {self.ts: (self.rank, self.event_id, self.record)}
        return self.trail

    @property
    def t_us(self) -> int:
        return micros(self.ts)

    @property
    def key(self) -> tuple[int, int, str]:
        return self.t_us, self.rank, self.event_id

    def state_json(self) -> bytes:
        """``V`` as JSON (``states_json``)."""
        return states_json([self])[0]

    def trail_texts(self) -> list[str]:
        """``trail_members`` flat: ``[t, member, t, member, ...]`` (``t``: ``time_text``)."""
        return [x for t, member in self.trail_members() for x in (time_text(t), member)]

    def trail_members(self) -> list[tuple[int, str]]:
        """``(t_us, trail_member)`` per event time, oldest first."""
        trail = self.points()
        times = sorted(trail) if len(trail) > 1 else trail
        out = []
        for ts in times:
            r = trail[ts][2]
            t_us = micros(ts)
            out.append(
                (t_us, trail_member(t_us, *number_texts([r.longitude, r.latitude, r.speed_kmh])))
            )
        return out


def states_json(states: Sequence[VehicleState]) -> list[bytes]:
    """Each state's ``V`` as JSON: the record's non-null fields (``heading_deg`` even when
    null) as ``state_type`` gives them, ``ts`` in UTC, and the topic it came from. One
    loop (the handler encodes one a record): a struct made and encoded a state."""
    out = []
    types: dict[str, tuple[Any, Callable[[Any], tuple[Any, ...]]]] = {}
    for v in states:
        topic = v.topic
        made = types.get(topic)
        if made is None:
            made = types[topic] = state_type(topic)
        make, fields = made
        state = make(*fields(astuple(v.record)))
        ts = state.ts
        if ts.tzinfo is not UTC:  # (most are: no call then)
            state.ts = in_utc(ts)
        state.topic = topic
        out.append(_encode(state))
    return out


def trail_member(t_us: int, longitude: str, latitude: str, speed_kmh: str) -> str:
    """A trail point as the store keeps it: ``"<time_text> <longitude> <latitude>
    <speed_kmh>"``, the numbers as ``number_texts`` writes them (``null``: no speed). The
    write script builds the same text for a point that is the state's own; the time makes
    each member unique (a parked vehicle's points differ only by it)."""
    return f"{time_text(t_us)} {longitude} {latitude} {speed_kmh}"


def trail_point(member: str) -> TrailPoint:
    """A stored trail member (``trail_member``) as the API serves it."""
    t, lon, lat, speed = member.split(" ")
    return TrailPoint(
        _EPOCH + timedelta(microseconds=int(t)),
        float(lat),
        float(lon),
        None if speed == "null" else float(speed),
    )


def order_keys(states: Sequence[VehicleState]) -> list[str]:
    """Each state's ``key`` as the store compares it: ``"<time_text> <rank> <event_id>"``,
    fixed widths (a rank is one digit, an event_id a UUID), so the texts order as the keys
    (one loop: the handler makes one a record)."""
    return [f"{str(micros(v.ts)).zfill(TIME_DIGITS)} {v.rank} {v.event_id}" for v in states]


def trails_texts(states: Sequence[VehicleState]) -> list[str | list[str]]:
    """Each state's trail as the store's write script takes it: when the trail is the
    state's own point (a batch with one record per vehicle), only that point's speed as
    text (the script makes the member from the state's time and position), else
    ``trail_texts``. The speeds of a chunk are written in one call."""
    one = [v.trail is None or (len(v.trail) == 1 and v.ts in v.trail) for v in states]
    # a one-point trail's point is the state's record
    speeds = number_texts(
        [v.record.speed_kmh for v, alone in zip(states, one, strict=True) if alone]
    )
    if len(speeds) == len(states):
        return [*speeds]
    singles = iter(speeds)
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
