"""The live API's routing: a pure function from a request to a response, no HTTP server.

``handle(method, path, query, store=...)`` serves (LIVE_CONTRACT.md, docs/live.md):

- ``GET /vehicles[?bbox=minLon,minLat,maxLon,maxLat]`` -> ``{"vehicles", "cursor", "now"}``
- ``GET /vehicles/{vehicle_id}`` -> ``{"vehicle", "trail"}``; 404 if unknown or expired
- ``GET /changes?after=CURSOR`` -> ``{"vehicles", "removed", "incidents", "cursor",
  "reset", "now"}``; the cost grows with the changes, not the fleet
- ``GET /incidents`` -> ``{"incidents"}`` (the active ones)
- ``GET /health`` -> ``{"newest_position_age_s", "consumer_lag", "vehicles", "now", ...}``
- ``GET /alerts[?after=CURSOR]`` -> ``{"alerts", "cursor", "reset", "now"}``: the alerts
  written after the cursor (``vts.live.alerts``; without one, or of another store epoch:
  from the start, ``reset`` true), at most 1,000 a page, oldest change first

The response is ``(status, body, headers)``, ``body`` JSON text: the states are stored as
JSON and joined on the server, so a snapshot of 10,000 vehicles is never parsed here. A
bad parameter gets a 400 naming it; an unknown path or vehicle a 404; another method than
GET/HEAD a 405; all errors are ``{"error": "..."}``. The Lambda behind the Function URL
(``functions/live_api/app.py``) and ``vts live serve`` both call it; without a ``store``,
``handle`` uses one connection to ``local_settings()``'s store (``vts local up``'s).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import parse_qs, unquote

from vts.live.alerts import LiveAlerts
from vts.live.cursor import Cursor
from vts.live.exceptions import StoreError, StoreUnavailableError
from vts.live.settings import local_settings
from vts.live.store import LiveStore
from vts.live.store_reads import BBox

HEADERS: Mapping[str, str] = {
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
}


class Response(NamedTuple):
    status: int
    body: str
    headers: Mapping[str, str]


class BadRequest(Exception):
    """A request the API refuses; ``status`` and the message go to the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Query = Mapping[str, str]


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _now() -> str:
    return _json(datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def parse_query(query: str | Mapping[str, str | list[str]] | None) -> dict[str, str]:
    """A query string (or an already-split mapping) as one value per name; a repeated
    name is a 400 naming it."""
    if not query:
        return {}
    if isinstance(query, str):
        split = parse_qs(query, keep_blank_values=True)
    else:
        split = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    out: dict[str, str] = {}
    for name, values in split.items():
        if len(values) != 1:
            raise BadRequest(400, f"parameter {name!r} is given {len(values)} times; give it once")
        out[name] = values[0]
    return out


def _only(query: Query, *allowed: str) -> None:
    for name in query:
        if name not in allowed:
            accepted = ", ".join(allowed) if allowed else "none"
            raise BadRequest(400, f"unknown parameter {name!r} (accepted: {accepted})")


def parse_bbox(text: str) -> BBox:
    """``minLon,minLat,maxLon,maxLat`` in degrees, or a 400 naming ``bbox``."""
    parts = text.split(",")
    if len(parts) != 4:
        raise BadRequest(400, "bbox must be minLon,minLat,maxLon,maxLat (4 numbers)")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise BadRequest(400, f"bbox {text[:80]!r} holds something that is not a number") from None
    if not all(map(math.isfinite, (min_lon, min_lat, max_lon, max_lat))):
        raise BadRequest(400, "bbox numbers must be finite")
    if not (-180 <= min_lon <= max_lon <= 180):
        raise BadRequest(400, "bbox longitudes must satisfy -180 <= minLon <= maxLon <= 180")
    if not (-90 <= min_lat <= max_lat <= 90):
        raise BadRequest(400, "bbox latitudes must satisfy -90 <= minLat <= maxLat <= 90")
    return BBox(min_lon, min_lat, max_lon, max_lat)


def _vehicles(store: LiveStore, query: Query) -> Response:
    _only(query, "bbox")
    bbox = parse_bbox(query["bbox"]) if "bbox" in query else None
    snap = store.snapshot(bbox)
    body = f'{{"vehicles":{snap.vehicles_json},"cursor":{_json(str(snap.cursor))},"now":{_now()}}}'
    return Response(200, body, HEADERS)


def _vehicle(store: LiveStore, query: Query, vehicle_id: str) -> Response:
    _only(query)
    found = store.vehicle(vehicle_id)
    if found is None:
        raise BadRequest(404, f"no live vehicle {vehicle_id[:100]!r} (unknown, or silent too long)")
    state, trail = found
    return Response(200, f'{{"vehicle":{state},"trail":{trail}}}', HEADERS)


def _changes(store: LiveStore, query: Query) -> Response:
    _only(query, "after")
    if "after" not in query:
        raise BadRequest(400, "after is missing: pass the cursor of your last response")
    cursor = Cursor.parse(query["after"])
    if cursor is None:
        raise BadRequest(400, f"after {query['after'][:80]!r} is not a cursor this API gave")
    ch = store.changes(cursor)
    body = (
        f'{{"vehicles":{ch.vehicles_json},"removed":{_json(ch.removed)},'
        f'"incidents":{ch.incidents_json},"cursor":{_json(str(ch.cursor))},'
        f'"reset":{_json(ch.reset)},"now":{_now()}}}'
    )
    return Response(200, body, HEADERS)


def _alerts(store: LiveStore, query: Query) -> Response:
    _only(query, "after")
    cursor = None
    if "after" in query:
        cursor = Cursor.parse(query["after"])
        if cursor is None:
            raise BadRequest(400, f"after {query['after'][:80]!r} is not a cursor this API gave")
    page = LiveAlerts(store).after(cursor)
    body = (
        f'{{"alerts":{page.alerts_json},"cursor":{_json(str(page.cursor))},'
        f'"reset":{_json(page.reset)},"now":{_now()}}}'
    )
    return Response(200, body, HEADERS)


def _incidents(store: LiveStore, query: Query) -> Response:
    _only(query)
    return Response(200, f'{{"incidents":{store.incidents()}}}', HEADERS)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _health(store: LiveStore, query: Query) -> Response:
    _only(query)
    h = store.health()
    meta = h["meta"]
    batch_ms = _int_or_none(meta.get("batch_at_ms"))
    newest_ms = _int_or_none(meta.get("newest_record_ms"))
    body = {
        "newest_position_age_s": h["newest_position_age_s"],
        "consumer_lag": _int_or_none(meta.get("consumer_lag")),
        "vehicles": h["vehicles"],
        "last_batch_age_s": None if batch_ms is None else round(time.time() - batch_ms / 1000, 3),
        "last_batch_record_age_s": (
            None if batch_ms is None or newest_ms is None else (batch_ms - newest_ms) / 1000
        ),
        "now": json.loads(_now()),
    }
    return Response(200, _json(body), HEADERS)


_ROUTES: Mapping[str, Callable[[LiveStore, Query], Response]] = {
    "/vehicles": _vehicles,
    "/changes": _changes,
    "/incidents": _incidents,
    "/health": _health,
    "/alerts": _alerts,
}


def error(status: int, message: str) -> Response:
    return Response(status, _json({"error": message}), HEADERS)


_default: list[LiveStore] = []


def default_store() -> LiveStore:
    """The process's store for ``handle`` calls without one (made on first use)."""
    if not _default:
        _default.append(LiveStore.connect(local_settings()))
    return _default[0]


def handle(
    method: str,
    path: str,
    query: str | Mapping[str, str | list[str]] | None = None,
    *,
    store: LiveStore | None = None,
) -> Response:
    """Route one request. ``path`` is the URL path (percent-encoded as sent), ``query`` the
    query string or a mapping of it; ``store`` defaults to ``default_store()``. A store
    that does not answer is a 503, one that refuses a 500 (the error says which)."""
    try:
        if method.upper() not in ("GET", "HEAD"):
            raise BadRequest(405, f"method {method[:16]} is not allowed; the API is read-only GET")
        params = parse_query(query)
        route = path.rstrip("/") or "/"
        serve = _ROUTES.get(route)
        if store is None:
            store = default_store()
        if serve is not None:
            return serve(store, params)
        if route.startswith("/vehicles/") and route.count("/") == 2:
            return _vehicle(store, params, unquote(route[len("/vehicles/") :]))
        raise BadRequest(
            404,
            f"no such path {path[:100]!r}; "
            "try /vehicles, /changes?after=, /incidents, /health, /alerts",
        )
    except BadRequest as exc:
        return error(exc.status, exc.message)
    except StoreUnavailableError as exc:
        return error(503, exc.message)
    except StoreError as exc:
        return error(500, exc.message)
