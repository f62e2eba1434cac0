"""A test double of ``vts.live.api``: the contract's routes and shapes over an in-memory fleet.

It stands in for the real routing (over redis) in the map's browser tests. Vehicles drive
along the scenario's road segments; ``step()`` moves them and stamps them with the time it is
given, ``forget()`` drops the change feed's history so the next ``/changes`` is a reset.
``set_alert()`` writes an alert (``vts.live.alerts.alert_json``, as the live handler does) to
an alert feed that ``/alerts`` pages as the real one does (``test_fake_api.py`` compares).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import numpy as np

from vts.live.alerts import alert_json
from vts.live.cursor import Cursor
from vts.rules.episode import Episode

ALERT_EPOCH = "f00d"  # the double's store epoch: its alert cursors are the real form


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds")


class FakeLiveApi:
    def __init__(self, roads: Sequence[Mapping[str, Any]], vehicles: int, now: float) -> None:
        rng = np.random.default_rng(7)
        self._lock = threading.Lock()
        self.roads = roads
        self.segment = rng.integers(0, len(roads), vehicles)
        self.along = rng.random(vehicles)  # 0..1 along the segment
        self.speed = rng.uniform(10, 90, vehicles)  # km/h, every band but the slowest
        self.ids = [f"VEH-{i:06d}" for i in range(vehicles)]
        self.ts = np.full(vehicles, now)
        self.changed_at = np.ones(vehicles, dtype=np.int64)  # feed position of the last change
        self.removed: dict[str, int] = {}
        self.incidents: dict[str, dict[str, Any]] = {}
        self.incident_changed: dict[str, int] = {}
        self.alerts: dict[str, str] = {}  # alert_id -> its JSON, as the store keeps it
        self.alert_changed: dict[str, int] = {}  # alert_id -> the alert feed's position
        self.alert_seq = 0  # the alert feed's head
        self.position = 1  # the change feed's head
        self.oldest = 0  # cursors below this are too old: reset
        self.trails: dict[str, list[dict[str, Any]]] = {v: [] for v in self.ids}
        self._record_trails(np.arange(vehicles))

    # -- driving the fleet ---------------------------------------------------------------
    def step(self, now: float, fraction: float = 0.25) -> None:
        """Each live vehicle drives ``fraction`` of its segment (wrapping), reporting at ``now``."""
        with self._lock:
            self.position += 1
            live = np.array([v not in self.removed for v in self.ids])
            self.along = np.where(live, (self.along + fraction) % 1.0, self.along)
            self.ts[live] = now
            self.changed_at[live] = self.position
            self._record_trails(np.flatnonzero(live))

    def remove(self, vehicle_id: str) -> None:
        with self._lock:
            self.position += 1
            self.removed[vehicle_id] = self.position

    def set_incident(self, incident: dict[str, Any]) -> None:
        with self._lock:
            self.position += 1
            self.incidents[incident["incident_id"]] = incident
            self.incident_changed[incident["incident_id"]] = self.position

    def set_alert(self, episode: Episode) -> str:
        """Raise or update an alert, as the live handler's script writes it; its id."""
        with self._lock:
            self.alert_seq += 1
            self.alerts[episode.id] = alert_json(episode)
            self.alert_changed[episode.id] = self.alert_seq
        return episode.id

    def forget(self) -> None:
        """The feed keeps nothing older than now: every client's next /changes is a reset."""
        with self._lock:
            self.position += 1
            self.oldest = self.position

    def vehicle(self, i: int) -> dict[str, Any]:
        road = self.roads[int(self.segment[i])]
        t = float(self.along[i])
        return {
            "vehicle_id": self.ids[i],
            "ts": iso(float(self.ts[i])),
            "latitude": road["start_lat"] + t * (road["end_lat"] - road["start_lat"]),
            "longitude": road["start_lon"] + t * (road["end_lon"] - road["start_lon"]),
            "speed_kmh": round(float(self.speed[i]), 1),
            "heading_deg": None,
            "topic": "vehicle_data",
            "make": "Volvo",
            "model": "FH16",
            "fuel_level_pct": 61.5,
        }

    def _record_trails(self, indexes: np.ndarray) -> None:
        for i in indexes:
            v = self.vehicle(int(i))
            trail = self.trails[v["vehicle_id"]]
            trail.append({k: v[k] for k in ("ts", "latitude", "longitude", "speed_kmh")})
            del trail[:-20]

    # -- the API ---------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: str) -> tuple[int, str, dict[str, str]]:
        """``vts.live.api.handle`` with its store bound: path as sent, the query string."""
        params = dict(parse_qsl(query, keep_blank_values=True))
        with self._lock:
            status, body = self._route(method, unquote(path), params)
        return status, json.dumps(body), {"Content-Type": "application/json; charset=utf-8"}

    def _route(
        self, method: str, path: str, query: Mapping[str, str]
    ) -> tuple[int, dict[str, Any]]:
        now = iso(datetime.now(UTC).timestamp())
        live = [i for i, v in enumerate(self.ids) if v not in self.removed]
        if path == "/vehicles":
            vehicles = [self.vehicle(i) for i in live]
            return 200, {"vehicles": vehicles, "cursor": str(self.position), "now": now}
        if path.startswith("/vehicles/"):
            vid = path.removeprefix("/vehicles/")
            if vid not in self.trails or vid in self.removed:
                return 404, {"error": f"no vehicle {vid}"}
            i = self.ids.index(vid)
            return 200, {"vehicle": self.vehicle(i), "trail": self.trails[vid]}
        if path == "/changes":
            after = query.get("after", "")
            if not after.isdigit():
                return 400, {"error": f"after={after!r} is not a cursor"}
            cursor = int(after)
            reset = cursor < self.oldest
            changed = live if reset else [i for i in live if self.changed_at[i] > cursor]
            body = {
                "vehicles": [self.vehicle(i) for i in changed],
                "removed": [] if reset else [v for v, at in self.removed.items() if at > cursor],
                "incidents": [
                    self.incidents[k] for k, at in self.incident_changed.items() if at > cursor
                ],
                "cursor": str(self.position),
                "reset": reset,
                "now": now,
            }
            return 200, body
        if path == "/alerts":
            return self._alerts(query, now)
        if path == "/incidents":
            active = [i for i in self.incidents.values() if i["status"] != "Resolved"]
            return 200, {"incidents": active}
        return 404, {"error": f"no route {method} {path}"}

    def _alerts(self, query: Mapping[str, str], now: str) -> tuple[int, dict[str, Any]]:
        """``GET /alerts[?after=CURSOR]`` as ``vts.live.api`` answers it over the store."""
        cursor = None
        if "after" in query:
            cursor = Cursor.parse(query["after"])
            if cursor is None:
                said = f"after {query['after'][:80]!r} is not a cursor this API gave"
                return 400, {"error": said}
        reset = cursor is None or cursor.epoch != ALERT_EPOCH
        after = 0 if reset or cursor is None else cursor.seq
        rows = sorted((at, k) for k, at in self.alert_changed.items() if at > after)
        return 200, {
            "alerts": [json.loads(self.alerts[k]) for _, k in rows],
            "cursor": str(Cursor(ALERT_EPOCH, rows[-1][0] if rows else after)),
            "reset": reset,
            "now": now,
        }
