"""Every report of one vehicle for one day, from its fixes in the build's window.

The window is the day plus ``lookback_s`` before it, so a trip or stop that began the day
before is whole. The alerts and geofence visits are ``vts.rules``' (the rules the live
path runs too) folded over the window; ``silent`` also up to the window's end (or the build's
clock, if earlier), where a silence may still be going on.
Trips, stops and geofence visits are reported the day they end (an
unfinished one, at the window's end, the day being built: ``complete`` false); alerts
the day they start; the summary and the filter counts cover the day's own fixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from vts.reference.geofences import Geofence
from vts.reference.roadmatch import RoadIndex
from vts.reports.filter import filter_fixes
from vts.reports.geofences import smallest_containing
from vts.reports.motion import Span, detect
from vts.reports.tables import ALERTS, FIX_FILTER, GEOFENCE_EVENTS, STOPS, SUMMARY, TRIPS
from vts.rules.fold import RuleContext, fold
from vts.rules.params import ReportParams
from vts.rules.places import Incident
from vts.rules.track import Track

Row = dict[str, Any]


@dataclass(frozen=True)
class Window:
    """The day being built, ``[day_start, day_end)``, and the build's clock (epoch s)."""

    day_start: float
    day_end: float
    now: float

    def holds(self, t: float) -> bool:
        return self.day_start <= t < self.day_end


@dataclass(frozen=True, eq=False)
class Context:
    window: Window
    params: ReportParams
    roads: RoadIndex | None
    fences: tuple[Geofence, ...]
    incidents: tuple[Incident, ...] = ()

    @property
    def rules(self) -> RuleContext:
        return RuleContext(self.params, self.roads, self.fences, self.incidents)


def _trip_row(tr: Track, hops: np.ndarray, span: Span) -> Row:
    a, b = span.first, span.last
    dist_m = float(hops[a:b].sum())
    duration = float(tr.t[b] - tr.t[a])
    fuel_steps = np.diff(tr.fuel_pct[a : b + 1])
    return {
        "vehicle_id": tr.vehicle_id,
        "trip_start": tr.t[a],
        "trip_end": tr.t[b],
        "start_lat": tr.lat[a],
        "start_lon": tr.lon[a],
        "end_lat": tr.lat[b],
        "end_lon": tr.lon[b],
        "start_place": None,
        "end_place": None,
        "distance_km": dist_m / 1000.0,
        "odometer_km": _nan_none(tr.odometer_km[b] - tr.odometer_km[a]),
        "duration_s": duration,
        "avg_speed_kmh": dist_m / duration * 3.6 if duration > 0 else 0.0,
        "max_speed_kmh": float(np.nanmax(tr.speed_kmh[a + 1 : b + 1])) if b > a else 0.0,
        "fuel_used_pct": _nan_none(-float(np.nansum(np.minimum(fuel_steps, 0.0))))
        if np.isfinite(tr.fuel_pct[a : b + 1]).any()
        else None,
        "fixes": b - a + 1,
        "complete": span.complete,
    }


def _stop_row(tr: Track, span: Span) -> Row:
    a, b = span.first, span.last
    lat, lon = float(np.median(tr.lat[a : b + 1])), float(np.median(tr.lon[a : b + 1]))
    return {
        "vehicle_id": tr.vehicle_id,
        "stop_start": tr.t[a],
        "stop_end": tr.t[b],
        "latitude": lat,
        "longitude": lon,
        "duration_s": float(tr.t[b] - tr.t[a]),
        "place": None,
        "place_kind": None,
        "complete": span.complete,
    }


def _name_places(trips: list[Row], stops: list[Row], fences: tuple[Geofence, ...]) -> None:
    """Each trip's start and end, each stop: the smallest geofence it lies in."""
    points: list[tuple[Row, str, str | None, float, float]] = [
        (t, "start_place", None, t["start_lat"], t["start_lon"]) for t in trips
    ]
    points += [(t, "end_place", None, t["end_lat"], t["end_lon"]) for t in trips]
    points += [(s, "place", "place_kind", s["latitude"], s["longitude"]) for s in stops]
    if not points or not fences:
        return
    lat = np.array([p[3] for p in points], dtype=np.float64)
    lon = np.array([p[4] for p in points], dtype=np.float64)
    for (row, name, kind, _, _), fence in zip(
        points, smallest_containing(fences, lat, lon), strict=True
    ):
        if fence is not None:
            row[name] = fence.name
            if kind:
                row[kind] = fence.kind


def _nan_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _span(values: np.ndarray) -> float | None:
    ok = values[np.isfinite(values)]
    return float(ok.max() - ok.min()) if ok.size else None


def _overlap(t0: float, t1: float, w: Window) -> float:
    return max(0.0, min(t1, w.day_end) - max(t0, w.day_start))


def vehicle_reports(track: Track, ctx: Context) -> dict[str, list[Row]]:
    """Rows per report table (``tables.TABLES`` names) for this vehicle and day."""
    w, params = ctx.window, ctx.params
    filtered = filter_fixes(track, params, w.now)
    in_day = (track.t >= w.day_start) & (track.t < w.day_end)
    tr = filtered.track
    motion = detect(tr, params)
    hops = tr.hops_m()
    trips = [_trip_row(tr, hops, s) for s in motion.trips if w.holds(tr.t[s.last])]
    stops = [_stop_row(tr, s) for s in motion.stops if w.holds(tr.t[s.last])]
    _name_places(trips, stops, ctx.fences)
    episodes = fold(tr, ctx.rules, horizon=min(w.now, w.day_end))
    fences = []
    for v in (e for e in episodes if e.alert == "geofence"):
        end_t = v.end_ts if v.ended and v.end_ts is not None else float(tr.t[-1])
        if not w.holds(end_t):
            continue
        fence = next(f for f in ctx.fences if f.id == v.subject)
        fences.append(
            {
                "vehicle_id": tr.vehicle_id,
                "geofence_id": fence.id,
                "geofence_name": fence.name,
                "geofence_kind": fence.kind,
                "enter_ts": v.start_ts,
                "exit_ts": v.end_ts if v.ended else None,
                "duration_s": end_t - v.start_ts,
                "enter_lat": v.latitude,
                "enter_lon": v.longitude,
            }
        )
    alerts = [
        {
            "vehicle_id": tr.vehicle_id,
            "alert": a.alert,
            "start_ts": a.start_ts,
            "end_ts": a.end_ts,
            "latitude": a.latitude,
            "longitude": a.longitude,
            "value": _nan_none(a.value),
            "threshold": a.threshold,
            "road_id": a.road_id,
        }
        for a in sorted(episodes, key=lambda e: (e.start_ts, e.alert, e.subject))
        if a.alert != "geofence" and w.holds(a.start_ts)
    ]
    rejected = filtered.rejected(in_day)
    kept_day = (tr.t >= w.day_start) & (tr.t < w.day_end)
    filter_rows = [{"vehicle_id": tr.vehicle_id, "reason": "kept", "fixes": int(kept_day.sum())}]
    filter_rows += [
        {"vehicle_id": tr.vehicle_id, "reason": r, "fixes": n} for r, n in rejected.items()
    ]
    summary = []
    if kept_day.any():
        idx = np.flatnonzero(kept_day)
        both = kept_day[:-1] & kept_day[1:]
        odo = tr.odometer_km[idx]
        summary.append(
            {
                "vehicle_id": tr.vehicle_id,
                "fixes": int(idx.size),
                "first_fix": tr.t[idx[0]],
                "last_fix": tr.t[idx[-1]],
                "distance_km": float(hops[both].sum()) / 1000.0,
                "odometer_km": _span(odo),
                "driving_s": sum(_overlap(tr.t[s.first], tr.t[s.last], w) for s in motion.trips),
                "stopped_s": sum(_overlap(tr.t[s.first], tr.t[s.last], w) for s in motion.stops),
                "trips": len(trips),
                "stops": len(stops),
                "max_speed_kmh": _nan_none(np.nanmax(tr.speed_kmh[idx])),
                "overspeed_count": sum(a["alert"] == "overspeed" for a in alerts),
                "alerts": len(alerts),
            }
        )
    return {
        TRIPS.name: trips,
        STOPS.name: stops,
        GEOFENCE_EVENTS.name: fences,
        ALERTS.name: alerts,
        SUMMARY.name: summary,
        FIX_FILTER.name: filter_rows,
    }
