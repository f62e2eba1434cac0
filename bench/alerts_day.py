"""A simulated span streamed through the live alerts and built by the reports, compared.

Shared by ``bench/bench_alerts.py`` (a day, 200 vehicles, one fix per 10 s) and
``tests/live/test_alerts.py`` (the same at a small size). Both sides read the
same messages: the simulator's ``vehicle_data`` and ``emergency_data`` as JSON lines. The
live side gets them in time order as MSK events of ``batch_ticks`` ticks each
(``vts.live.consumer`` with ``vts.live.alerts``); the reports side folds each vehicle's
fixes over the span (``vts.reports.vehicle.vehicle_reports``: the fix filter, the rules,
the span as the day). An alert agrees when the other side has one of the same type,
vehicle (and geofence or incident) with start and end within ``tolerance_s``.

The simulated telemetry never stops (a GPS outage stops only ``gps_data``), so nothing in
it is ``silent``. ``Dropouts`` withholds stretches of ``vehicle_data`` from both sides, as a
modem out of coverage would: per vehicle, with ``probability``, one window of
``shortest_s`` to ``longest_s`` (uniform) inside the span, with a fix before and after it,
drawn from the run's seed and the vehicle's id alone. The windows are the truth
``bench.alerts_truth`` holds either side's ``silent`` alerts to. They are the harness's,
not the simulator's: they model the delivery, not the vehicle, and the windows need no
other truth than themselves; in the simulator every stream it produces would change.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

LIVE_TOPICS = ("vehicle_data", "emergency_data")
ALERT_TABLE, FENCE_TABLE = "report_alerts", "report_geofence_events"


FIX_FIELDS = (
    "ts",
    "latitude",
    "longitude",
    "speed_kmh",
    "heading_deg",
    "odometer_km",
    "fuel_level_pct",
)
CHUNK_S = 3600.0  # generated an hour at a time (a pure function of the window)


@dataclass(frozen=True)
class Dropouts:
    """Telemetry dropouts (see the module's docstring): with ``probability`` a vehicle's
    ``vehicle_data`` is withheld over one window of ``shortest_s`` to ``longest_s``. The
    defaults put about one in seven windows under ``silent_gap_s`` (600 s)."""

    probability: float = 0.8
    shortest_s: float = 300.0
    longest_s: float = 2400.0

    def window(
        self, seed: int, vehicle_id: str, t0: float, t1: float, tick: float
    ) -> tuple[float, float] | None:
        """``[start, end)`` (epoch s) of the vehicle's dropout in the span ``[t0, t1)``, or
        None: a pure function of the arguments."""
        rng = np.random.default_rng([seed, zlib.crc32(vehicle_id.encode()), _DROPOUT_SALT])
        happens, u_length, u_start = rng.random(3)
        length = self.shortest_s + (self.longest_s - self.shortest_s) * u_length
        room = (t1 - tick) - (t0 + tick) - length  # a fix before it and one after it
        if happens >= self.probability or room <= 0:
            return None
        start = t0 + tick + room * u_start
        return start, start + length

    def as_dict(self) -> dict[str, float]:
        return {
            "probability": self.probability,
            "shortest_s": self.shortest_s,
            "longest_s": self.longest_s,
        }


_DROPOUT_SALT = 0x51E27  # keeps the dropouts' draws apart from any other use of the seed


@dataclass
class Span:
    """What the reports read of a simulated span (filled while it is streamed), and the
    dropouts withheld from it (vehicle -> ``[start, end)``)."""

    fixes: dict[str, list[tuple[float, ...]]] = field(default_factory=dict)  # FIX_FIELDS
    incidents: list[dict[str, Any]] = field(default_factory=list)
    dropouts: dict[str, tuple[float, float]] = field(default_factory=dict)


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


Row = tuple[float, str, bytes, bytes]  # event time, topic, key, value


def ticks(
    scenario: str,
    seed: int,
    start: datetime,
    seconds: float,
    vehicles: int,
    tick: float,
    span: Span,
    per: int = 1,
    dropouts: Dropouts | None = None,
) -> Iterator[list[Row]]:
    """The span's ``vehicle_data`` and ``emergency_data`` in time order, ``per`` ticks at a
    time (``(event time, topic, key, JSON value)`` rows), without the ``vehicle_data`` in
    ``dropouts``' windows; ``span`` collects what the reports read, and the windows."""
    from simulator import generate

    t0, t1 = start.timestamp(), start.timestamp() + seconds
    drawn: dict[str, tuple[float, float] | None] = {}
    done = 0.0
    while done < seconds:
        length = min(CHUNK_S, seconds - done)
        window = start + timedelta(seconds=done)
        batches = generate(scenario, seed, window, length, vehicles=vehicles, tick_seconds=tick)
        rows: list[Row] = []
        for topic in LIVE_TOPICS:
            batch = batches[topic]
            for key, line in zip(batch.keys, batch.to_json_lines(), strict=True):
                record = json.loads(line)
                t = _epoch(record["ts"])
                if topic == "vehicle_data" and dropouts is not None:
                    vid = record["vehicle_id"]
                    if vid not in drawn:
                        drawn[vid] = window = dropouts.window(seed, vid, t0, t1, tick)
                        if window is not None:
                            span.dropouts[vid] = window
                    window = drawn[vid]
                    if window is not None and window[0] <= t < window[1]:
                        continue  # withheld from both sides
                rows.append((t, topic, bytes(key), line))
                record["ts"] = t
                if topic == "vehicle_data":
                    fix = tuple(
                        np.nan if record.get(f) is None else float(record[f]) for f in FIX_FIELDS
                    )
                    span.fixes.setdefault(record["vehicle_id"], []).append(fix)
                else:
                    span.incidents.append(record)
        rows.sort(key=lambda r: r[0])
        groups: dict[int, list[Row]] = defaultdict(list)
        for row in rows:
            groups[int((row[0] - start.timestamp()) // (tick * per))].append(row)
        for n in sorted(groups):
            yield groups[n]
        done += length


def stream(
    scenario: str,
    seed: int,
    start: datetime,
    seconds: float,
    vehicles: int,
    tick: float,
    span: Span,
    batch_ticks: int = 1,
    dropouts: Dropouts | None = None,
) -> Iterator[dict[str, Any]]:
    """The span (``ticks``) as MSK events of ``batch_ticks`` ticks each, in time order."""
    from vts.live.esm import build_event, record_json

    offset = 0
    groups = ticks(scenario, seed, start, seconds, vehicles, tick, span, batch_ticks, dropouts)
    for group in groups:
        records = []
        for t, topic, key, line in group:
            records.append(record_json(topic, 0, offset, int(t * 1000), key, line))
            offset += 1
        yield build_event(records)


def report_side(span: Span, context: Any, t0: float, t1: float) -> list[dict[str, Any]]:
    """The reports' alerts and geofence visits of the span, as alert-like rows."""
    from vts.reports.vehicle import Context, Window, vehicle_reports
    from vts.rules.places import incidents_from_events
    from vts.rules.track import Track

    incidents = tuple(incidents_from_events(span.incidents))
    ctx = Context(
        Window(t0, t1, now=t1 + 86400), context.params, context.roads, context.fences, incidents
    )
    out: list[dict[str, Any]] = []
    for vid, rows in span.fixes.items():
        cols = np.array(sorted(rows), dtype=np.float64).T  # FIX_FIELDS, time order
        tr = Track(vid, *cols, np.full(len(rows), np.nan))
        tables = vehicle_reports(tr, ctx)
        for a in tables[ALERT_TABLE]:
            out.append(
                {
                    "vehicle_id": vid,
                    "alert": a["alert"],
                    "subject": "",
                    "start": float(a["start_ts"]),
                    "end": float(a["end_ts"]),
                }
            )
        for v in tables[FENCE_TABLE]:
            end = v["exit_ts"] if v["exit_ts"] is not None else None
            out.append(
                {
                    "vehicle_id": vid,
                    "alert": "geofence",
                    "subject": v["geofence_id"],
                    "start": float(v["enter_ts"]),
                    "end": None if end is None else float(end),
                }
            )
    return out


def live_side(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``/alerts`` bodies as alert-like rows (near_incident and low fuel carry no subject
    in the reports' table: compared by vehicle, type and times)."""
    out = []
    for a in alerts:
        subject = a["subject"] if a["alert"] == "geofence" else ""
        end = None if a["end_ts"] is None else _epoch(a["end_ts"])  # a visit's: its exit
        out.append(
            {
                "vehicle_id": a["vehicle_id"],
                "alert": a["alert"],
                "subject": subject,
                "start": _epoch(a["start_ts"]),
                "end": end,
            }
        )
    return out


def close_within(a: float | None, b: float | None, tol: float) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= tol)


def compare(
    mine: list[dict[str, Any]], other: list[dict[str, Any]], tolerance_s: float
) -> tuple[int, list[dict[str, Any]]]:
    """How many of ``mine`` have a twin in ``other``, and those that do not."""
    index: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for o in other:
        index[(o["vehicle_id"], o["alert"], o["subject"])].append(o)
    missing = []
    for m in mine:
        twins = index[(m["vehicle_id"], m["alert"], m["subject"])]
        if not any(
            close_within(m["start"], o["start"], tolerance_s)
            and close_within(m["end"], o["end"], tolerance_s)
            for o in twins
        ):
            missing.append(m)
    return len(mine) - len(missing), missing


def classify(
    missing: list[dict[str, Any]], other: list[dict[str, Any]], t0: float, t1: float, tol: float
) -> dict[str, int]:
    """Why each of ``missing`` (from ``compare``) has no twin, counted by ``type: reason``:
    ``span edge`` (it starts at the span's first fix or reaches its last), ``start
    differs`` / ``end differs`` (the other side has the same episode with the other end
    within ``tol``), ``overlaps another`` (an episode of the other side overlaps it),
    ``no counterpart``."""
    index: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for o in other:
        index[(o["vehicle_id"], o["alert"], o["subject"])].append(o)
    counts: dict[str, int] = defaultdict(int)
    for m in missing:
        end = m["end"] if m["end"] is not None else t1
        twins = index[(m["vehicle_id"], m["alert"], m["subject"])]
        if m["start"] <= t0 + tol or end >= t1 - tol:
            reason = "span edge"
        elif any(close_within(m["end"], o["end"], tol) for o in twins):
            reason = "start differs"
        elif any(close_within(m["start"], o["start"], tol) for o in twins):
            reason = "end differs"
        elif any(
            o["start"] <= end and m["start"] <= (o["end"] if o["end"] is not None else t1)
            for o in twins
        ):
            reason = "overlaps another"
        else:
            reason = "no counterpart"
        counts[f"{m['alert']}: {reason}"] += 1
    return dict(counts)
