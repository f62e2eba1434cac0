"""Live alerts: the reports' rules (``vts.rules``) run on each batch, state kept in the store.

Per batch, for each vehicle with ``vehicle_data`` fixes in it (the reports' source): its
carried rule state is read (``{p}:rs``, one hash field per vehicle), ``vts.rules.fold.step``
runs every rule over the batch's fixes, and the new states and the episodes it reported
are written in one atomic script (``lua/write_alerts.lua``):

- ``{p}:alerts``: alert id -> the alert's JSON (``Episode.as_dict`` with ISO times and a
  ``status``: ``active`` or ``ended``);
- ``{p}:aseq`` / ``{p}:afeed``: a sequence and the alerts by the change that last wrote
  them, so ``after(cursor)`` reads only what changed (``GET /alerts?after=``);
- ``{p}:atime`` / ``{p}:afloor``: when each alert was last written (server ms), and the
  newest change the feed dropped: the feed keeps at most ``alerts_kept`` alerts and none
  unwritten for ``alerts_ttl_s`` (``LiveSettings``), dropping the least recently written
  first, and a cursor older than the floor reads from the start with ``reset``;
- ``{p}:araised``: the change that first wrote each alert (its raise), so a publisher can
  tell the first version it sends of an alert (``vts.live.eventbridge``);
- ``{p}:inc``: each incident's active span (first report .. first ``Resolved``), from the
  batches' ``emergency_data``, for ``near_incident``;
- ``{p}:due`` / ``{p}:clock``: ``silent`` (``vts.rules.silence``), which time passing
  decides, not a fix: each vehicle moving at its last fix, by when it falls silent, and
  the stream's clock per partition (``lua/silence.lua``). Every batch (and ``sweep``,
  which ``vts live run`` calls when the topics are quiet and a schedule invokes on AWS)
  raises the silences due by that clock, each only if the vehicle's state is still the
  one it judged (a fix that came meanwhile decides instead).

Exactly once, as a reader of ``/alerts`` sees it: an alert's id is a function of the
vehicle, type, subject and start (``vts.rules.episode``), and the script writes a new
version only when its JSON differs. A retried batch (the handler killed after the script,
or before it) recomputes the same alerts from the same or a newer state; a replayed
window's fixes are no later than the state's last fix and are skipped; so nothing is
raised twice. An episode's end rewrites the alert its start raised.

An incident new to a batch is looked back on first (``vts.live.lookback``): the vehicles
that may have been near it since it began get the reports' ``near_incident`` over their
fixes handled before (their ``{p}:af:<vehicle>`` fix trail, which the script keeps), so
a vehicle that passed it before its first report was handled gets the reports' alert,
and one still near continues it. ``{p}:inc`` is written after the alerts, so a batch
retried after a kill between the two looks back again, to the same alerts.

What differs from the reports by design: a fix older than a vehicle's last seen fix is
skipped (the reports would take it in order), the reports' fix filter is not applied,
an incident is over from the batch its ``Resolved`` report comes in (fixes handled before
are judged with it still active), fixes more than ``trail_s`` before a vehicle's newest
are not looked back on, and a vehicle's first fix in the live store sets the geofence
side it starts on (the reports: its first fix in the build's window). A batch's reports
of an incident are coalesced, but its span still starts at the first of them and ends
at the first ``Resolved`` one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from vts.live.cursor import Cursor
from vts.live.lookback import MAX_SPEED_MS, fix_members, look_back, trail_track
from vts.live.states import VEHICLE_TOPICS, IncidentState, VehicleState, micros
from vts.live.store import LiveStore
from vts.live.store_reads import GEO_MAX_LAT
from vts.reference.geofences import GEOFENCES, read_geofences
from vts.reference.roadmatch import RoadIndex
from vts.reference.roads import ROADS, read_roads
from vts.rules.episode import Episode, State
from vts.rules.fold import RuleContext, step
from vts.rules.params import ReportParams
from vts.rules.places import RESOLVED, Incident
from vts.rules.silence import due, open_silence
from vts.rules.track import Track

PAGE = 1000  # alerts per /alerts response
SWEEP_LIMIT = 10_000  # silences raised per sweep
_RANK = VEHICLE_TOPICS["vehicle_data"]


def rule_context(lake: str | Path | None, params: ReportParams | None = None) -> RuleContext:
    """The rules' context from a local lake's reference tables (roads, geofences); none of
    either when ``lake`` is None or lacks the table."""
    params = params or ReportParams()
    roads = fences = None
    if lake is not None:
        root = Path(lake)
        if (root / ROADS.name / ROADS.file_name).exists():
            roads = read_roads(root / ROADS.name / ROADS.file_name)
        if (root / GEOFENCES.name / GEOFENCES.file_name).exists():
            fences = read_geofences(root / GEOFENCES.name / GEOFENCES.file_name)
    index = RoadIndex.build(roads, params.road_max_distance_m) if roads else None
    return RuleContext(params, index, tuple(fences or ()))


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def alert_json(e: Episode) -> str:
    """An alert as ``/alerts`` serves it (``start_ts``/``end_ts`` ISO UTC)."""
    body: dict[str, Any] = e.as_dict()
    body["start_ts"], body["end_ts"] = _iso(e.start_ts), _iso(e.end_ts)
    body["status"] = "ended" if e.ended else "active"
    body = {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in body.items()
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)


def track_of(state: VehicleState) -> Track | None:
    """The batch's ``vehicle_data`` fixes of a vehicle, oldest first."""
    points = sorted(
        ((micros(ts), r) for ts, (rank, _, r) in state.points().items() if rank == _RANK),
        key=lambda point: point[0],
    )
    if not points:
        return None

    def col(name: str) -> np.ndarray:
        values = [getattr(r, name) for _, r in points]
        return np.array([np.nan if v is None else float(v) for v in values])

    t = np.array([t_us / 1e6 for t_us, _ in points])
    return Track(
        state.vehicle_id,
        t,
        col("latitude"),
        col("longitude"),
        col("speed_kmh"),
        col("heading_deg"),
        col("odometer_km"),
        col("fuel_level_pct"),
        np.full(t.size, np.nan),
    )


def incident_spans(
    known: dict[str, str], batch: Iterable[IncidentState]
) -> tuple[dict[str, str], list[Incident]]:
    """The incidents' active spans after a batch: ``known`` (id -> JSON, as the store keeps
    them) updated by the batch's incident states (first report opens a span, the first
    ``Resolved`` closes it), as ``(changed entries, every incident)``."""
    spans = {k: json.loads(v) for k, v in known.items()}
    changed: dict[str, str] = {}
    for i in batch:
        first = (i.t_us if i.first_us is None else i.first_us) / 1e6
        r = i.record
        cur = spans.get(i.incident_id)
        new: dict[str, Any] = (
            dict(cur) if cur else {"type": str(r.incident_type), "from": first, "to": None}
        )
        new["from"] = min(new["from"], first)
        new["lat"], new["lon"] = r.latitude, r.longitude
        resolved = i.resolved_us
        if resolved is None and i.status == RESOLVED:
            resolved = i.t_us
        if resolved is not None and (new["to"] is None or resolved / 1e6 < new["to"]):
            new["to"] = resolved / 1e6
        if new != cur and new["lat"] is not None and new["lon"] is not None:
            spans[i.incident_id] = new
            changed[i.incident_id] = json.dumps(new, sort_keys=True)
    incidents = [
        Incident(
            k,
            v["type"],
            float(v["lat"]),
            float(v["lon"]),
            float(v["from"]),
            math.inf if v["to"] is None else float(v["to"]),
        )
        for k, v in sorted(spans.items())
    ]
    return changed, incidents


@dataclass(frozen=True)
class AlertBatch:
    vehicles: int  # with vehicle_data fixes in the batch
    episodes: int  # reported by the rules (started, continued, ended)
    changed: int  # alerts written anew (a retry or replay: 0)
    silent: int = 0  # silences the sweep raised


def _due_ms(state: dict[str, Any], params: ReportParams) -> str:
    at = due(state, params)
    return "" if at is None else str(math.ceil(at * 1000))  # due by the clock: judged due


@dataclass(frozen=True)
class AlertPage:
    alerts_json: str  # a JSON array
    cursor: Cursor
    reset: bool


class LiveAlerts:
    """The rules over one store's batches, and its alert feed."""

    def __init__(self, store: LiveStore, context: RuleContext | None = None) -> None:
        self.store = store
        self.context = context or RuleContext(ReportParams())  # readers need none
        p = store.prefix
        names = ("aseq", "alerts", "afeed", "rs", "epoch", "inc", "due", "atime", "afloor")
        self.k = {n: p + n for n in (*names, "araised", "clock")}
        lua = Path(__file__).parent / "lua"
        self._write = store.client.register_script((lua / "write_alerts.lua").read_text())
        self._silence = store.client.register_script((lua / "silence.lua").read_text())

    def run(
        self,
        vehicles: Iterable[VehicleState],
        incidents: Iterable[IncidentState] = (),
        clocks: dict[str, int] | None = None,
    ) -> AlertBatch:
        """Step the rules over a batch's vehicles (and its incident reports); write states
        and alerts atomically; then raise the silences due (``clocks``: the batch's newest
        ``vehicle_data`` event time, ms, per ``<topic>-<partition>``)."""
        tracks = [tr for v in vehicles if (tr := track_of(v)) is not None]
        batch: AlertBatch = self.store._call("the alerts", self._run, tracks, list(incidents))
        silent = self.sweep(clocks or {})
        return replace(batch, changed=batch.changed + silent, silent=silent)

    def _write_args(self, n_vehicles: int) -> list[Any]:
        s = self.store.settings
        ttl_ms, trail_us = str(round(s.alerts_ttl_s * 1000)), str(round(s.trail_s * 1e6))
        return [
            self.store._new_epoch,
            s.alerts_kept,
            ttl_ms,
            self.store.prefix,
            trail_us,
            n_vehicles,
        ]

    def _keys(self) -> list[str]:
        k = self.k
        names = ("aseq", "alerts", "afeed", "rs", "epoch", "due", "atime", "afloor", "araised")
        return [k[n] for n in names]

    def _run(self, tracks: list[Track], batch_incidents: list[IncidentState]) -> AlertBatch:
        client, k = self.store.client, self.k
        known: dict[str, str] = client.hgetall(k["inc"])  # type: ignore[assignment]
        changed_spans, incidents = incident_spans(known, batch_incidents)
        new = [i for i in incidents if i.incident_id not in known]
        behind = self._candidates(new) if new else {}
        if not tracks and not behind:
            if changed_spans:
                client.hset(k["inc"], mapping=changed_spans)
            return AlertBatch(0, 0, 0)
        ctx = replace(self.context, incidents=tuple(incidents))
        params = ctx.params
        batch = {tr.vehicle_id: tr for tr in tracks}
        vehicles = [*batch, *(v for v in behind if v not in batch)]
        raw: list[str | None] = client.hmget(k["rs"], vehicles)  # type: ignore[assignment]
        trails = self._fix_trails(behind)
        args: list[Any] = []
        written = episodes = 0
        for vehicle, text in zip(vehicles, raw, strict=True):
            before: State = json.loads(text) if text else {}
            state: State = before
            found: list[Episode] = []
            if vehicle in trails:  # the incidents new in this batch, over the fixes before it
                state, found = look_back(trails[vehicle], state, behind[vehicle], params)
            tr = batch.get(vehicle)
            fixes: list[str] = []
            if tr is not None:
                prev = state.get("prev")
                fixes = fix_members(tr if prev is None else tr.take(tr.t > prev[0]))
                state, stepped = step(tr, state, ctx)
                found += stepped
            elif not found and state == before:
                continue  # nothing near it after all
            alerts = {e.id: alert_json(e) for e in found}  # the newest version of each
            episodes += len(alerts)
            state_json = json.dumps(state, separators=(",", ":"))
            # a vehicle of the batch is this consumer's; another's only if its state is
            # still the one read (its own consumer may be stepping it)
            check = ["0", ""] if tr is not None else ["1", text or ""]
            args += [vehicle, *check, state_json, _due_ms(state, params), len(fixes) // 2]
            args += fixes
            args.append(len(alerts))
            for alert_id, body in alerts.items():
                args += [alert_id, body]
            written += 1
        changed = int(self._write(keys=self._keys(), args=[*self._write_args(written), *args]))
        if changed_spans:  # after the alerts: a retry that does not know them looks back again
            client.hset(k["inc"], mapping=changed_spans)  # idempotent: a retry writes the same
        return AlertBatch(len(tracks), episodes, changed)

    def _candidates(self, new: list[Incident]) -> dict[str, list[Incident]]:
        """The vehicles that may have been near each new incident since it began: within
        its radius plus ``MAX_SPEED_MS`` times how long ago that is, by the newest event
        time in the store (at most ``trail_s``: the fixes kept), at their newest position."""
        client, store = self.store.client, self.store
        newest: list[tuple[str, float]] = client.zrange(store.k["last"], -1, -1, withscores=True)  # type: ignore[assignment]
        if not newest:
            return {}
        now = newest[0][1] / 1000
        radius = self.context.params.near_incident_radius_m
        pipe = client.pipeline(transaction=False)
        for inc in new:
            ago = min(store.settings.trail_s, max(0.0, now - inc.active_from))
            pipe.geosearch(
                store.k["geo"],
                longitude=inc.longitude,
                latitude=max(-GEO_MAX_LAT, min(GEO_MAX_LAT, inc.latitude)),
                radius=radius + MAX_SPEED_MS * ago,
                unit="m",
            )
        found: dict[str, list[Incident]] = {}
        for inc, vehicles in zip(new, pipe.execute(), strict=True):
            for vehicle in vehicles:
                found.setdefault(vehicle, []).append(inc)
        return found

    def _fix_trails(self, behind: dict[str, list[Incident]]) -> dict[str, Track]:
        """The fix trails of ``behind``'s vehicles since the earliest start of their
        incidents (none for a vehicle with no fix since)."""
        if not behind:
            return {}
        pipe = self.store.client.pipeline(transaction=False)
        for vehicle, incs in behind.items():
            since = round(min(i.active_from for i in incs) * 1e6)
            pipe.zrangebyscore(self.store.prefix + "af:" + vehicle, since, "+inf")
        return {
            vehicle: trail_track(vehicle, members)
            for vehicle, members in zip(behind, pipe.execute(), strict=True)
            if members
        }

    def sweep(self, clocks: dict[str, int] | None = None) -> int:
        """Raise the silences due by the stream's clock (moved on by ``clocks``, as in
        ``run``); the number raised."""
        raised: int = self.store._call("the silence sweep", self._sweep, clocks or {})
        return raised

    def _sweep(self, clocks: dict[str, int]) -> int:
        client, k, params = self.store.client, self.k, self.context.params
        args: list[Any] = [round(params.silent_gap_s * 1000), SWEEP_LIMIT, len(clocks)]
        for part, ms in clocks.items():
            args += [part, ms]
        reply = self._silence(keys=[k["clock"], k["due"]], args=args)
        if len(reply) < 2:
            return 0
        horizon, vehicles = int(reply[0]) / 1000, list(reply[1:])
        raw: list[str | None] = client.hmget(k["rs"], vehicles)  # type: ignore[assignment]
        args = self._write_args(len(vehicles))
        for vehicle, text in zip(vehicles, raw, strict=True):
            state = json.loads(text) if text else {}
            e = open_silence(vehicle, state, horizon, params)
            alerts = [] if e is None else [e.id, alert_json(e)]
            # only if the state is still the one judged; due: none (raised, or stale)
            args += [vehicle, "1", text or "", "", "", 0, len(alerts) // 2, *alerts]
        return int(self._write(keys=self._keys(), args=args))

    def raised_after(self, ids: list[str], seq: int) -> list[bool]:
        """Whether each alert was first written after change ``seq``."""
        if not ids:
            return []
        raised: list[str | None] = self.store._call(
            "the alerts", self.store.client.hmget, self.k["araised"], ids
        )
        return [r is not None and int(r) > seq for r in raised]

    def after(self, cursor: Cursor | None, limit: int = PAGE) -> AlertPage:
        """The alerts written after ``cursor`` (all, from the start, when it is None, of
        another epoch, or older than what the feed dropped: ``reset``), oldest change
        first, at most ``limit``."""
        page: AlertPage = self.store._call("the alerts", self._after, cursor, limit)
        return page

    def _after(self, cursor: Cursor | None, limit: int) -> AlertPage:
        client, k = self.store.client, self.k
        client.set(k["epoch"], self.store._new_epoch, nx=True)
        epoch: str = client.get(k["epoch"])  # type: ignore[assignment]
        floor = int(client.get(k["afloor"]) or 0)  # type: ignore[arg-type]
        reset = cursor is None or cursor.epoch != epoch or cursor.seq < floor
        after = 0 if reset or cursor is None else cursor.seq
        rows: list[tuple[str, float]] = client.zrangebyscore(  # type: ignore[assignment]
            k["afeed"], f"({after}", "+inf", start=0, num=limit, withscores=True
        )
        if not rows:
            return AlertPage("[]", Cursor(str(epoch), after), reset)
        bodies: list[str | None] = client.hmget(k["alerts"], [r[0] for r in rows])  # type: ignore[assignment]
        text = "[" + ",".join(b for b in bodies if b is not None) + "]"
        return AlertPage(text, Cursor(str(epoch), int(rows[-1][1])), reset)
