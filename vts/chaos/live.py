"""The live path in a chaos run: its own redis-server, ``vts live run`` as a restartable
service following the run's broker, its faults, and what the verdict reads.

- ``kill_live``: SIGKILL the runner and start it again in the same consumer group (the
  batch in hand was applied, maybe in part, and not committed: it comes again);
- ``replay_live``: SIGKILL it and start it in a new consumer group, which reads every
  topic from its start: every window so far is delivered again, late (as an event source
  mapping re-created at ``TRIM_HORIZON`` would).

The runner has the scenario's roads and geofences (``write_reference``) and the rules'
default parameters; the span is in the past, so states and incidents never expire
(``VTS_LIVE_SILENCE_S=0``, ``VTS_LIVE_INCIDENT_TTL_S=0``). ``expected_alerts`` folds the
reports' rules over the produced windows: what the live alerts are judged against.
"""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from vts.chaos.exceptions import ChaosError
from vts.chaos.processes import Service
from vts.chaos.windows import START, Workload
from vts.live.runner import run_command
from vts.live.settings import LiveSettings
from vts.local.redis_server import LocalRedis

NEVER = {"VTS_LIVE_SILENCE_S": "0", "VTS_LIVE_INCIDENT_TTL_S": "0"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(text: str) -> int:
    """An ISO 8601 UTC time as whole microseconds since the epoch."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (at - _EPOCH) // timedelta(microseconds=1)


class LiveSide:
    """The run's live store and runner (``up``, ``runner``, ``restart``, ``read``, ``down``)."""

    def __init__(self, run_dir: Path, workload: Workload) -> None:
        from simulator.outputs.reference import write_reference

        self.dir = run_dir
        self.redis = LocalRedis(run_dir / "live")
        self.reference = run_dir / "reference"
        write_reference(workload.scenario, self.reference)
        self.group = 0
        self.url: str | None = None

    def up(self) -> None:
        status = self.redis.up()
        if status.url is None:
            raise ChaosError("the chaos live store did not start", hint=f"see {self.dir}/live")
        self.url = status.url

    def down(self) -> None:
        self.redis.down()

    def runner(self, bootstrap: str, *, available_now: bool = False) -> Service:
        """``vts live run`` in the current consumer group (not started)."""
        command = run_command(
            bootstrap,
            str(self.url),
            "",
            group=f"chaos-live-{self.group}",
            lake=self.reference,
            available_now=available_now,
        )
        return Service("live", command, {**NEVER}, self.dir / "logs" / "live.log")

    def restart(self, runner: Service, bootstrap: str, *, replay: bool) -> Service:
        """SIGKILL ``runner``; start it again (in a new group when ``replay``)."""
        runner.kill(signal.SIGKILL)
        if replay:
            self.group += 1
        fresh = self.runner(bootstrap)
        fresh.starts = runner.starts
        fresh.exits = runner.exits
        fresh.start()
        return fresh

    def read(self) -> tuple[list[dict[str, Any]], dict[str, tuple[int, str]]]:
        """Every alert ``/alerts`` serves (as the verdict's rows), and each vehicle's state
        in ``/vehicles`` as (event time in µs, event_id)."""
        from vts.live import api
        from vts.live.store import LiveStore

        settings = LiveSettings(url=str(self.url), silence_s=0.0, incident_ttl_s=0.0)
        alerts: list[dict[str, Any]] = []
        with LiveStore.connect(settings) as store:
            cursor = ""
            while True:
                query = f"after={cursor}" if cursor else ""
                page = json.loads(api.handle("GET", "/alerts", query, store=store).body)
                if not page["alerts"]:
                    break
                alerts += page["alerts"]
                cursor = page["cursor"]
            vehicles = json.loads(api.handle("GET", "/vehicles", store=store).body)["vehicles"]
        rows = [
            {
                "vehicle_id": a["vehicle_id"],
                "alert": a["alert"],
                "subject": a["subject"],
                "start": micros(a["start_ts"]) / 1e6,
                "end": None if a["end_ts"] is None else micros(a["end_ts"]) / 1e6,
                "alert_id": a["alert_id"],
            }
            for a in alerts
        ]
        states = {v["vehicle_id"]: (micros(v["ts"]), str(v["event_id"])) for v in vehicles}
        return rows, states


def expected_alerts(workload: Workload, indices: range, reference: Path) -> list[dict[str, Any]]:
    """The reports' rules (``vts.rules.fold``) over the ``vehicle_data`` fixes and
    ``emergency_data`` incidents of the windows ``indices``, as the verdict's rows."""
    from dataclasses import replace

    from simulator import generate
    from vts.live.alerts import rule_context
    from vts.rules.fold import fold
    from vts.rules.places import incidents_from_events
    from vts.rules.track import Track

    columns: dict[str, list[np.ndarray]] = {}
    reports: list[dict[str, Any]] = []
    names = (
        *("vehicle_id", "ts", "latitude", "longitude", "speed_kmh", "heading_deg"),
        *("odometer_km", "fuel_level_pct"),
    )
    for i in indices:
        start = START + timedelta(seconds=i * workload.window_seconds)
        batches = generate(
            workload.scenario,
            workload.seed,
            start,
            float(workload.window_seconds),
            vehicles=workload.vehicles,
        )
        c = batches["vehicle_data"].columns
        for name in names:
            columns.setdefault(name, []).append(np.asarray(c[name]))
        for line in batches["emergency_data"].to_json_lines():
            record = json.loads(line)
            record["ts"] = micros(record["ts"]) / 1e6
            reports.append(record)
    if not columns:
        return []
    col = {k: np.concatenate(v) for k, v in columns.items()}
    vid = col["vehicle_id"].astype(str)
    ts = np.char.rstrip(col["ts"].astype(str), "Z").astype("datetime64[us]").astype(np.int64)
    t = ts / 1e6
    order = np.lexsort((t, vid))
    bounds = np.flatnonzero(np.r_[True, vid[order][1:] != vid[order][:-1], True])
    ctx = rule_context(reference)
    ctx = replace(ctx, incidents=tuple(incidents_from_events(reports)))
    out: list[dict[str, Any]] = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[a:b]

        def f64(name: str, idx: np.ndarray = idx) -> np.ndarray:
            return np.asarray(col[name], dtype=np.float64)[idx]

        track = Track(
            str(vid[idx[0]]),
            t[idx],
            f64("latitude"),
            f64("longitude"),
            f64("speed_kmh"),
            f64("heading_deg"),
            f64("odometer_km"),
            f64("fuel_level_pct"),
            np.full(idx.size, np.nan),
        )
        for e in fold(track, ctx):
            out.append(
                {
                    "vehicle_id": e.vehicle_id,
                    "alert": e.alert,
                    "subject": e.subject,
                    "start": e.start_ts,
                    "end": e.end_ts,
                }
            )
    return out
