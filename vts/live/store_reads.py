"""The live store's read side: the whole fleet or a box of it (``snapshot``), what changed
after a cursor (``changes``, the feed's paging), one vehicle with its trail, the active
incidents and the health; each read sweeps first. The key layout is ``vts.live.store``'s
docstring."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import msgspec

from vts.live.cursor import Cursor
from vts.live.states import trail_point
from vts.live.store_core import StoreCore

# The geo index's copy of a latitude is clamped to +-GEO_MAX_LAT (the position itself stays
# exact). The index takes up to 85.05112878 degrees, but GEOSEARCH never finds a point at
# that very limit, so the copy stays a little inside it; the writer
# (vts.live.store.geo_latitudes) clamps to the same value, and a box is searched within the
# same band.
GEO_MAX_LAT = 85.05
_json_encode = msgspec.json.Encoder().encode
EARTH_RADIUS_M = 6_372_797.560856  # the radius Redis's geo commands use


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
        lat0 = max(-GEO_MAX_LAT, min(GEO_MAX_LAT, self.min_lat))
        lat1 = max(-GEO_MAX_LAT, min(GEO_MAX_LAT, self.max_lat))
        cx, cy = (self.min_lon + self.max_lon) / 2, (lat0 + lat1) / 2
        widest = 0.0 if lat0 <= 0 <= lat1 else min(abs(lat0), abs(lat1))
        radians = math.radians
        width = EARTH_RADIUS_M * radians(self.max_lon - self.min_lon) * math.cos(radians(widest))
        height = EARTH_RADIUS_M * radians(lat1 - lat0)
        margin = 1.01  # GEOSEARCH measures the box from its center on the sphere
        return cx, cy, width * margin + 2.0, height * margin + 2.0


def _number(value: float) -> str:
    return repr(float(value))


class StoreReads(StoreCore):
    """The reads of one key prefix (``LiveStore`` adds the writes)."""

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
        kept = [member for member, score in trail if score >= since]
        # a member stored as JSON is the form before trail_member (a store written by an
        # earlier release, until its trail_s has passed): served as it is
        points = [msgspec.Raw(m.encode()) if m[:1] == "{" else trail_point(m) for m in kept]
        return state, _json_encode(points).decode()

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
