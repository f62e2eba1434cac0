"""The live store on a Redis-protocol server (Valkey, ElastiCache Serverless, redis-server).

Every rule that must hold across writers runs on the server, in Lua (``lua/``), so
concurrent consumers (one per partition) and a replayed batch cannot undo each other:

- ``{p}:k``: vehicle -> its state's key and position, ``"<event time us> <topic rank>
  <event_id> <longitude> <latitude> <change>"`` (the change that wrote it). A write
  replaces a state only if its ``(time, rank, event_id)`` is greater
  (``vts.live.states``): newest event time wins.
- ``{p}:vj``: vehicle -> its state's JSON (``V``, served as is), written by the same
  script call that decides the state: one hash, so a snapshot is one ``HVALS``. Both
  hashes are shared by the fleet, so a script call reads and writes them for all its
  vehicles in one command each.
- ``{p}:geo``: the positions (GEOADD), for bounding-box queries (GEOSEARCH BYBOX).
- ``{p}:last``: vehicle -> newest event time (ms); expiry sweeps it.
- ``{p}:t:<vehicle_id>``: the trail, points scored by event time (us), ``trail_s`` long.
- ``{p}:i:<incident_id>``, ``{p}:incidents`` (all, by event time), ``{p}:active``.
- ``{p}:seq``: the change counter; ``{p}:feed``: ``v|<id>``/``i|<id>`` scored by the
  change that last touched them (one member per live thing, so reading the changes after
  a cursor is a range read: O(log N + changes)); ``{p}:gone``: removed vehicles by the
  change that removed them; ``{p}:floor``: the newest removal the feed forgot;
  ``{p}:epoch``: see ``vts.live.cursor``; ``{p}:meta``: the consumer's last batch.

``{p}`` is ``{prefix}`` with braces, a hash tag: every key is in one cluster slot, as the
Lua scripts need on a cluster. Expiry is by event time: a vehicle whose newest event is
older than ``silence_s`` is removed by the next sweep (every consumer batch and every API
read runs one), and an event older than that is not written at all.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import msgspec

from vts.live.cursor import Cursor
from vts.live.exceptions import StoreError, StoreUnavailableError
from vts.live.settings import LiveSettings
from vts.live.states import (
    IncidentState,
    VehicleState,
    micros,
    number_texts,
    trails_texts,
)

if TYPE_CHECKING:
    import redis

logger = logging.getLogger(__name__)

CHUNK = 256  # vehicles per script call (one MessagePack argument): short scripts, one round
# trip; at most 2,666 (the script unpacks 3 arguments a vehicle, Lua takes 8,000 at once)
SWEEP_LIMIT = 10_000  # removals per sweep
GEO_MAX_LAT = 85.05112878  # the geo index's latitude limit
EARTH_RADIUS_M = 6_372_797.560856  # the radius Redis's geo commands use


@cache
def _lua(name: str) -> str:
    return resources.files("vts.live").joinpath("lua", f"{name}.lua").read_text()


@dataclass(frozen=True)
class WriteResult:
    written: int = 0
    older: int = 0
    stale: int = 0
    incidents_written: int = 0
    incidents_older: int = 0


@dataclass(frozen=True)
class Prepared:
    """A batch's writes, encoded (``LiveStore.prepare``): MessagePack chunks of vehicles,
    the incidents' script arguments, the consumer's ``meta``, and whether to sweep."""

    chunks: list[tuple[bytes, bytes]]  # (MessagePack of the vehicles' columns, their JSON)
    incidents: list[Any]
    meta: dict[str, str]
    sweep: bool


@dataclass(frozen=True)
class Snapshot:
    cursor: Cursor
    vehicles_json: str  # a JSON array of V
    count: int


@dataclass(frozen=True)
class Changes:
    cursor: Cursor
    reset: bool
    vehicles_json: str
    incidents_json: str
    removed: list[str]


@dataclass(frozen=True)
class BBox:
    """``min_lon, min_lat, max_lon, max_lat`` in degrees (checked by the API)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def search_box(self) -> tuple[float, float, float, float]:
        """GEOSEARCH's center and width/height (m), covering the box at every latitude."""
        lat0 = max(-GEO_MAX_LAT, self.min_lat)
        lat1 = min(GEO_MAX_LAT, self.max_lat)
        cx, cy = (self.min_lon + self.max_lon) / 2, (lat0 + lat1) / 2
        widest = 0.0 if lat0 <= 0 <= lat1 else min(abs(lat0), abs(lat1))
        radians = math.radians
        width = EARTH_RADIUS_M * radians(self.max_lon - self.min_lon) * math.cos(radians(widest))
        height = EARTH_RADIUS_M * radians(lat1 - lat0)
        margin = 1.01  # GEOSEARCH measures the box from its center on the sphere
        return cx, cy, width * margin + 2.0, height * margin + 2.0


def _number(value: float) -> str:
    return repr(float(value))


# Redis's Lua MessagePack reads str, not bin: texts go as str
_msgpack = msgspec.msgpack.Encoder().encode
_json = msgspec.json.Encoder()


class LiveStore:
    """The live state of one key prefix on one server (``client`` from ``connection``)."""

    def __init__(self, client: redis.Redis, settings: LiveSettings, *, url: str = "") -> None:
        self.client = client
        self.settings = settings
        self.url = url or settings.url
        p = "{" + settings.prefix + "}:"
        self.prefix = p
        self.k = {
            name: p + name
            for name in (
                "seq",
                "geo",
                "last",
                "feed",
                "gone",
                "floor",
                "epoch",
                "meta",
                "incidents",
                "active",
                "vj",
                "k",
            )
        }
        self._scripts = {
            name: client.register_script(_lua(name))
            for name in ("write_vehicles", "write_incidents", "sweep", "snapshot", "changes")
        }
        self._new_epoch = uuid.uuid4().hex[:12]

    @classmethod
    def connect(cls, settings: LiveSettings) -> LiveStore:
        from vts.live.connection import connect

        return cls(connect(settings), settings)

    # ---- errors -------------------------------------------------------------------------
    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        import redis

        try:
            return fn(*args)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailableError(self._where(), str(exc)) from exc
        except redis.RedisError as exc:
            raise StoreError(
                f"the live store refused {what}: {exc}",
                hint="check VTS_LIVE_URL's user and its permissions (ACL), and the server log",
            ) from exc

    def _where(self) -> str:
        from vts.live.connection import redacted

        return redacted(self.url)

    # ---- writes -------------------------------------------------------------------------
    def write(
        self,
        vehicles: Iterable[VehicleState],
        incidents: Iterable[IncidentState] = (),
        *,
        meta: dict[str, str] | None = None,
        sweep: bool = True,
    ) -> WriteResult:
        """Write coalesced states in one pipeline (one round trip), with ``meta`` and (unless
        ``sweep`` is false) a sweep. Safe to call from several threads at once."""
        return self.send(self.prepare(list(vehicles), incidents, meta=meta, sweep=sweep))

    def prepare(
        self,
        vehicles: Sequence[VehicleState],
        incidents: Iterable[IncidentState] = (),
        *,
        meta: dict[str, str] | None = None,
        sweep: bool = True,
    ) -> Prepared:
        """``write``'s arguments encoded (no I/O): what ``send`` sends."""
        chunks = []
        encode_into = _json.encode_into
        for at in range(0, len(vehicles), CHUNK):
            part = vehicles[at : at + CHUNK]
            t_texts = [str(micros(v.ts)) for v in part]
            texts = bytearray()  # the states' JSON, one after the other
            ends = []
            for v in part:
                encode_into(v.state(), texts, -1)
                ends.append(len(texts))
            columns = (
                [v.vehicle_id for v in part],
                t_texts,
                [v.rank for v in part],
                [v.event_id for v in part],
                number_texts([v.record.longitude for v in part]),
                number_texts([v.record.latitude for v in part]),
                [end - start for start, end in zip([0, *ends[:-1]], ends, strict=True)],
                trails_texts(part),
            )
            chunks.append((_msgpack(columns), bytes(texts)))
        incident_args: list[Any] = []
        for i in incidents:
            incident_args += [i.incident_id, str(i.t_us), i.event_id, i.status, i.state_json()]
        return Prepared(chunks, incident_args, meta or {}, sweep)

    def send(self, prepared: Prepared) -> WriteResult:
        """Send ``prepare``'s writes in one pipeline (one round trip). Safe to call from
        several threads at once."""
        return self._call("a batch", self._send, prepared)

    def _send(self, prepared: Prepared) -> WriteResult:
        s, k = self.settings, self.k
        pipe = self.client.pipeline(transaction=False)
        silence_ms = str(round(s.silence_s * 1000))
        trail_us = str(round(s.trail_s * 1_000_000))
        v_keys = [k[n] for n in ("seq", "geo", "last", "feed", "gone", "epoch", "vj", "k")]
        for chunk, texts in prepared.chunks:
            args: list[Any] = [self.prefix, silence_ms, trail_us, self._new_epoch, chunk, texts]
            self._scripts["write_vehicles"](keys=v_keys, args=args, client=pipe)
        incidents = prepared.incidents
        if incidents:
            args = [self.prefix, str(round(s.incident_ttl_s * 1000)), self._new_epoch]
            args.append(len(incidents) // 5)
            args += incidents
            i_keys = [k["seq"], k["incidents"], k["active"], k["feed"], k["epoch"]]
            self._scripts["write_incidents"](keys=i_keys, args=args, client=pipe)
        if prepared.meta:
            pipe.hset(k["meta"], mapping=prepared.meta)
        if prepared.sweep:
            self._sweep(pipe)
        replies = pipe.execute()
        totals = [0, 0, 0]
        n_chunks = len(prepared.chunks)
        for reply in replies[:n_chunks]:
            totals = [a + int(b) for a, b in zip(totals, reply, strict=True)]
        inc = replies[n_chunks] if incidents else [0, 0, 0]
        return WriteResult(totals[0], totals[1], totals[2], int(inc[0]), int(inc[1]))

    def _sweep(self, pipe: Any) -> None:
        s, k = self.settings, self.k
        keys = [
            k[n]
            for n in (
                "seq",
                "geo",
                "last",
                "feed",
                "gone",
                "floor",
                "incidents",
                "active",
                "vj",
                "k",
            )
        ]
        args: list[Any] = [
            self.prefix,
            str(round(s.silence_s * 1000)),
            str(round(s.incident_ttl_s * 1000)),
            SWEEP_LIMIT,
            s.removed_kept,
        ]
        self._scripts["sweep"](keys=keys, args=args, client=pipe)

    def sweep(self) -> tuple[int, int]:
        """Remove the vehicles silent for longer than ``silence_s`` (and stale incidents);
        ``(vehicles removed, incidents dropped)``."""

        def run() -> tuple[int, int]:
            pipe = self.client.pipeline(transaction=False)
            self._sweep(pipe)
            removed, dropped = pipe.execute()[0]
            return int(removed), int(dropped)

        result: tuple[int, int] = self._call("a sweep", run)
        return result

    # ---- reads --------------------------------------------------------------------------
    def _read(self, what: str, script: str, keys: list[str], args: list[Any]) -> Any:
        def run() -> Any:
            pipe = self.client.pipeline(transaction=False)
            self._sweep(pipe)
            self._scripts[script](keys=keys, args=args, client=pipe)
            return pipe.execute()[1]

        return self._call(what, run)

    def snapshot(self, bbox: BBox | None = None) -> Snapshot:
        """Every live vehicle's state (those in ``bbox``), and a cursor no newer than
        them (changes after it may repeat some of the states; none is missed). The whole
        fleet is one pipeline of plain commands, in this order: the sweep, the epoch, the
        sequence, then ``HVALS`` of the states' JSON (no command per vehicle, and no
        MULTI, which the cache's user may not run); a box is a script (GEOSEARCH, then
        the exact filter), atomic."""
        k = self.k
        if bbox is None:

            def run() -> Any:
                pipe = self.client.pipeline(transaction=False)
                self._sweep(pipe)
                pipe.set(k["epoch"], self._new_epoch, nx=True)
                pipe.get(k["epoch"])
                pipe.get(k["seq"])
                pipe.hvals(k["vj"])
                return pipe.execute()[2:]

            epoch, seq, states = self._call("a snapshot", run)
        else:
            args: list[Any] = [self.prefix, self._new_epoch, "box"]
            args += [*map(_number, bbox.search_box())]
            args += [_number(bbox.min_lon), _number(bbox.min_lat)]
            args += [_number(bbox.max_lon), _number(bbox.max_lat)]
            keys = [k["seq"], k["geo"], k["last"], k["epoch"], k["vj"], k["k"]]
            epoch, seq, states = self._read("a snapshot", "snapshot", keys, args)
        return Snapshot(Cursor(epoch, int(seq or 0)), "[" + ",".join(states) + "]", len(states))

    def changes(self, after: Cursor) -> Changes:
        """What changed after ``after``; a reset (the whole snapshot) when the feed cannot
        say (another epoch, removals forgotten, a cursor ahead of the feed)."""
        k = self.k
        keys = [k["seq"], k["feed"], k["gone"], k["floor"], k["epoch"], k["vj"]]
        args = [self.prefix, self._new_epoch, after.epoch, after.seq]
        reply = self._read("the changes", "changes", keys, args)
        if reply[2] == "reset":
            snap = self.snapshot()
            return Changes(snap.cursor, True, snap.vehicles_json, self.incidents(), [])
        epoch, seq, _, vehicles, incidents, *removed = reply
        return Changes(
            Cursor(epoch, int(seq)),
            False,
            "[" + ",".join(vehicles) + "]",
            "[" + ",".join(incidents) + "]",
            removed,
        )

    def vehicle(self, vehicle_id: str) -> tuple[str, str] | None:
        """``(V, trail)`` as JSON texts (the trail oldest first, ``trail_s`` long), or
        ``None``."""

        def run() -> Any:
            pipe = self.client.pipeline(transaction=False)
            pipe.hget(self.k["vj"], vehicle_id)
            pipe.hget(self.k["k"], vehicle_id)
            pipe.zrange(self.prefix + "t:" + vehicle_id, 0, -1, withscores=True)
            return pipe.execute()

        state, key, trail = self._call("a vehicle", run)
        if state is None or key is None:
            return None
        since = int(key.split(" ", 1)[0]) - round(self.settings.trail_s * 1_000_000)
        return state, "[" + ",".join(p for p, score in trail if score >= since) + "]"

    def incidents(self) -> str:
        """The active incidents' JSON array."""

        def run() -> str:
            pipe = self.client.pipeline(transaction=False)
            self._sweep(pipe)
            pipe.zrange(self.k["active"], 0, -1)
            ids: list[str] = pipe.execute()[1]
            if not ids:
                return "[]"
            pipe = self.client.pipeline(transaction=False)
            for incident_id in ids:
                pipe.hget(self.prefix + "i:" + incident_id, "v")
            return "[" + ",".join(v for v in pipe.execute() if v is not None) + "]"

        result: str = self._call("the incidents", run)
        return result

    def health(self) -> dict[str, Any]:
        """``vehicles``, ``newest_position_age_s`` (by the server's clock), the consumer's
        last batch (``meta``) and the server's time (s)."""

        def run() -> list[Any]:
            pipe = self.client.pipeline(transaction=False)
            self._sweep(pipe)
            pipe.zcard(self.k["last"])
            pipe.zrange(self.k["last"], -1, -1, withscores=True)
            pipe.hgetall(self.k["meta"])
            pipe.time()
            return list(pipe.execute()[1:])

        count, newest, meta, (sec, usec) = self._call("the health", run)
        now = sec + usec / 1e6
        age = round(now - newest[0][1] / 1000, 3) if newest else None
        return {"vehicles": int(count), "newest_position_age_s": age, "meta": meta, "now_s": now}

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    def __enter__(self) -> LiveStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
