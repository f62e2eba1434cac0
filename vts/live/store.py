"""The live store on a Redis-protocol server (Valkey, ElastiCache Serverless, redis-server).

Every rule that must hold across writers runs on the server, in Lua (``lua/``), so
concurrent consumers (one per partition) and a replayed batch cannot undo each other:

- ``{p}:k``: vehicle -> its state's key and position, ``"<order key> <longitude>
  <latitude> <change>"`` (the change that wrote it; the order key is
  ``vts.live.states.order_keys``: ``"<event time us, 16 digits> <topic rank> <event_id>"``).
  A write replaces a state only if its order key is greater (``vts.live.states``):
  newest event time wins.
- ``{p}:vj``: vehicle -> its state's JSON (``V``, served as is), written by the same
  script call that decides the state: one hash, so a snapshot is one ``HVALS``. Both
  hashes are shared by the fleet, so a script call reads and writes them for all its
  vehicles in one command each.
- ``{p}:geo``: the positions (GEOADD), for bounding-box queries (GEOSEARCH BYBOX).
- ``{p}:last``: vehicle -> newest event time (ms); expiry sweeps it.
- ``{p}:t:<vehicle_id>``: the trail, points (``vts.live.states.trail_member``: time,
  position, speed as text) scored by event time (us), ``trail_s`` long.
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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from vts.live.states import (
    IncidentState,
    VehicleState,
    number_texts,
    order_keys,
    states_json,
    trails_texts,
)
from vts.live.store_reads import GEO_MAX_LAT, StoreReads

CHUNK = 256  # vehicles per script call (one MessagePack argument): short scripts, one round
# trip; at most 2,666 (the script unpacks 3 arguments a vehicle, Lua takes 8,000 at once)


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


# Redis's Lua MessagePack reads str, not bin: texts go as str
_msgpack = msgspec.msgpack.Encoder().encode


def geo_latitudes(lats: list[float]) -> dict[int, str]:
    """The geo index's copy of the latitudes the index cannot take as they are: position
    (from 1, as Lua counts) -> the latitude clamped to +-``GEO_MAX_LAT`` (the write script
    indexes the others as given)."""
    if not lats or -GEO_MAX_LAT <= min(lats) and max(lats) <= GEO_MAX_LAT:
        return {}  # the usual case, found in C
    return {
        i: str(GEO_MAX_LAT) if lat > 0 else str(-GEO_MAX_LAT)
        for i, lat in enumerate(lats, 1)
        if abs(lat) > GEO_MAX_LAT
    }


class LiveStore(StoreReads):
    """The live state of one key prefix on one server (``client`` from ``connection``):
    the writes here, the reads in ``StoreReads``, the client, keys and sweep in
    ``StoreCore``."""

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

    def unbeaten(self, vehicles: Sequence[VehicleState]) -> tuple[list[VehicleState], list[str]]:
        """``vehicles`` less those whose state the store already holds a newer one of, read
        now in one round trip (``HMGET`` of their keys, compared as the write script
        compares them), with the order keys of those left. A state left out would have
        lost in the write script (counted ``older``) and added no trail point: a stored
        state only ever moves on, and a vehicle the sweep removes was silent, so its
        older states are too old to be written at all. The write script still decides
        for those left: another writer may store a newer state meanwhile."""
        if not vehicles:
            return [], []
        ids = [v.vehicle_id for v in vehicles]
        held: list[str | None] = self._call("a read", self.client.hmget, self.k["k"], ids)
        kept, keys = [], []
        for v, key, stored in zip(vehicles, order_keys(vehicles), held, strict=True):
            if stored is None or key > stored:
                kept.append(v)
                keys.append(key)
        return kept, keys

    def prepare(
        self,
        vehicles: Sequence[VehicleState],
        incidents: Iterable[IncidentState] = (),
        *,
        meta: dict[str, str] | None = None,
        sweep: bool = True,
        keys: Sequence[str] | None = None,
    ) -> Prepared:
        """``write``'s arguments encoded (no I/O): what ``send`` sends. ``keys``: the
        vehicles' order keys when the caller has them (``unbeaten``)."""
        chunks = []
        for at in range(0, len(vehicles), CHUNK):
            part = vehicles[at : at + CHUNK]
            texts = states_json(part)
            lats = [v.record.latitude for v in part]
            columns = (
                [v.vehicle_id for v in part],
                order_keys(part) if keys is None else keys[at : at + CHUNK],
                number_texts([v.record.longitude for v in part]),
                number_texts(lats),
                geo_latitudes(lats),
                [len(text) for text in texts],
                trails_texts(part),
            )
            chunks.append((_msgpack(columns), b"".join(texts)))
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
