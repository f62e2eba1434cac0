"""Ground truth: what the model knows about a simulated span, as tables.

``truth(...)`` takes the same arguments as ``generate`` (a span of one fleet shard, and the
tick of its fixes) and reads the episodes off the same walks and legs the events are
computed from (``timeline``, ``dynamics``): one implementation, not a re-derivation.
Episodes overlapping the span are listed; their true instants are not clipped, their fix
columns are (to the span's fixes). All times are UTC. Tables (see docs/simulator.md):

- ``dwells``: zero-speed stays at a place, a fuel station or home (``kind``)
- ``halts``: traffic-light halts (shorter than any dwell)
- ``overspeed``: a speeding driver's stretch above a road's limit
- ``harsh``: harsh braking and harsh acceleration (peak m/s²)
- ``refuels``: fills at a station (also listed in ``dwells`` as ``kind = "station"``)
- ``gps_outages``: spans without ``gps_data`` fixes
- ``incidents`` and ``incident_effects``: incidents and the traversals they slowed

``write_truth(directory, ...)`` writes each as ``<table>.parquet``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.exceptions import BadWindowError
from simulator.model import days, dynamics, plan, timeline
from simulator.model import fleet as fleet_mod
from simulator.model.generate import _whole_ms
from simulator.model.placement import DAY_MS
from simulator.model.sensors import window_legs
from simulator.model.text import to_unix_ms
from vts import geo

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

TABLES = (
    "dwells",
    "halts",
    "overspeed",
    "harsh",
    "refuels",
    "gps_outages",
    "incidents",
    "incident_effects",
)
KINDS = np.array(["place", "station", "home"], dtype=object)


def _ceil(a: I64, b: int) -> I64:
    return np.asarray(-((-a) // b) * b)


def _floor(a: I64, b: int) -> I64:
    return np.asarray((a // b) * b)


class _Span:
    """The span, its ticks, and the fix speeds the events carry (as ``telemetry`` does)."""

    def __init__(self, fleet: fleet_mod.Fleet, t0_us: int, t1_us: int, tick_us: int) -> None:
        self.fleet, self.t0, self.t1, self.tick = fleet, t0_us, t1_us, tick_us
        self.first_tick = int(_ceil(np.array([t0_us]), tick_us)[0])
        self.last_tick = int(_ceil(np.array([t1_us]), tick_us)[0]) - tick_us

    def zero_speed(self, vehicle: I64, t_us: I64) -> npt.NDArray[np.bool_]:
        """Whether the fix at ``t_us`` shows 0.00 km/h (the event's rounded speed)."""
        both = days.state(
            self.fleet, np.concatenate([vehicle, vehicle]), np.concatenate([t_us - self.tick, t_us])
        ).distance_m
        n = vehicle.size
        speed = (both[n:] - both[:n]) / (self.tick / 1e6) * 3.6
        return np.asarray(np.round(speed, 2) == 0.0)

    def zero_run(self, vehicle: I64, start_us: I64, end_us: I64) -> tuple[I64, I64]:
        """First and last fix at zero speed of stays ``[start_us, end_us]`` (in the span)."""
        first = _ceil(start_us, self.tick)
        first = np.where(self.zero_speed(vehicle, first), first, first + self.tick)
        last = _floor(end_us, self.tick)
        later = last + self.tick
        last = np.where(self.zero_speed(vehicle, later), later, last)
        return self.clip(first, last)

    def clip(self, first: I64, last: I64) -> tuple[I64, I64]:
        return np.maximum(first, self.first_tick), np.minimum(last, self.last_tick)


def truth(
    scenario: str,
    seed: int,
    window_start: datetime,
    window_seconds: float,
    shard: int = 0,
    shard_count: int = 1,
    vehicles: int = 100,
    tick_seconds: float = 1.0,
) -> dict[str, list[dict[str, Any]]]:
    """The truth tables of a span (rows as dicts; ``*_us`` columns: µs since the Unix epoch)."""
    if not 0 <= shard < shard_count or vehicles < 1:
        raise BadWindowError(
            f"shard {shard}/{shard_count} of {vehicles} vehicles",
            hint="pass a shard index below the shard count and at least one vehicle",
        )
    fleet = fleet_mod.build(scenario, seed, vehicles, shard, shard_count)
    epoch_us = fleet.epoch_ms * 1000
    t0 = to_unix_ms(window_start) * 1000 - epoch_us
    if t0 < 0:
        raise BadWindowError("the span starts before the scenario epoch", hint="start later")
    t1 = t0 + _whole_ms(window_seconds, "window_seconds") * 1000
    span = _Span(fleet, t0, t1, _whole_ms(tick_seconds, "tick_seconds") * 1000)
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    n = len(fleet)
    v_all = np.arange(n)
    d_lo = int(timeline.days_of(fleet, v_all, np.full(n, t0)).min(initial=t0 // 86_400_000_000)) - 1
    d_hi = int(timeline.days_of(fleet, v_all, np.full(n, t1)).max(initial=-1))
    for d in range(d_lo, d_hi + 1):
        w = days.walk(fleet, d)
        _dwells(fleet, w, span, tables, epoch_us)
    for w, legs in window_legs(fleet, t0, t1):
        it = timeline.leg_items(fleet, w, legs)
        _items(fleet, w, legs, it, span, tables, epoch_us)
    for d in range(d_lo, d_hi + 2):
        o_start, o_end = fleet_mod.gps_outages(fleet, v_all, np.full(n, d))
        hit = (o_end > o_start) & (o_end > t0) & (o_start < t1)
        for v in np.flatnonzero(hit):
            s, e = int(o_start[v]), int(o_end[v])
            first, last = (
                int(_ceil(np.array([s]), span.tick)[0]),
                int(_ceil(np.array([e]), span.tick)[0]) - span.tick,
            )
            tables["gps_outages"].append(
                {
                    "vehicle_id": fleet.vehicle_id[v].decode(),
                    "start_us": s + epoch_us,
                    "end_us": e + epoch_us,
                    "first_missing_fix_us": max(first, span.first_tick) + epoch_us,
                    "last_missing_fix_us": min(last, span.last_tick) + epoch_us,
                }
            )
    _incidents(fleet, shard, shard_count, t0, t1, tables, epoch_us)
    for name in ("dwells", "halts", "overspeed", "harsh", "refuels", "incident_effects"):
        tables[name].sort(key=lambda r: (r["vehicle_id"], r.get("start_us", 0)))
    return tables


def _dwells(
    fleet: fleet_mod.Fleet,
    w: timeline.Walk,
    span: _Span,
    tables: dict[str, list[dict[str, Any]]],
    epoch_us: int,
) -> None:
    sc, lg = fleet.scenario, w.legs
    nxt = np.arange(lg.row.size) + 1
    last = nxt == lg.first[lg.row] + lg.count[lg.row]
    next_day = timeline.day_start_us(fleet, lg.row, np.full(lg.row.size, w.day + 1))
    depart = np.where(last, next_day, w.leg_start_us[np.minimum(nxt, lg.row.size - 1)])
    arrive = w.leg_arrive_us
    keep = np.flatnonzero((depart > span.t0) & (arrive < span.t1))
    if keep.size == 0:
        return
    v = lg.row[keep]
    first, last_fix = span.zero_run(v, arrive[keep], depart[keep])
    into = (lg.offset_mm[keep] + lg.mm[keep]).astype(np.float64)
    fuel_after = plan.fuel_pct(fleet.plan, v, np.full(v.size, w.day), into + 1.0, fleet.range_km)
    fuel_before = plan.fuel_pct(fleet.plan, v, np.full(v.size, w.day), into, fleet.range_km)
    for i, leg in enumerate(keep):
        node = int(lg.end_node[leg])
        kind = str(KINDS[lg.kind[leg]])
        row = {
            "vehicle_id": fleet.vehicle_id[v[i]].decode(),
            "kind": kind,
            "place": _place_name(fleet, node, kind),
            "node": node,
            "latitude": round(float(sc.node_lat[node]), 6),
            "longitude": round(float(sc.node_lon[node]), 6),
            "start_us": int(arrive[leg]) + epoch_us,
            "end_us": int(depart[leg]) + epoch_us,
            "first_fix_us": int(first[i]) + epoch_us if first[i] <= last_fix[i] else None,
            "last_fix_us": int(last_fix[i]) + epoch_us if first[i] <= last_fix[i] else None,
            "duration_s": round((int(depart[leg]) - int(arrive[leg])) / 1e6, 3),
        }
        tables["dwells"].append(row)
        if kind == "station":
            tables["refuels"].append(
                {
                    **{
                        k: row[k]
                        for k in (
                            "vehicle_id",
                            "place",
                            "node",
                            "latitude",
                            "longitude",
                            "start_us",
                            "end_us",
                            "duration_s",
                        )
                    },
                    "fuel_type": fleet.fuel_type[v[i]].decode(),
                    "fuel_before_pct": round(float(fuel_before[i]), 2),
                    "fuel_after_pct": round(float(fuel_after[i]), 2),
                }
            )


def _place_name(fleet: fleet_mod.Fleet, node: int, kind: str) -> str:
    sc = fleet.scenario
    if kind == "station":
        return f"Fuel station {int(np.searchsorted(sc.fuel_node, node)) + 1}"
    hit = np.flatnonzero(sc.place_node == node)
    return sc.place_name[int(hit[0])] if hit.size else "Home"


def _items(
    fleet: fleet_mod.Fleet,
    w: timeline.Walk,
    legs: I64,
    it: dynamics.Items,
    span: _Span,
    tables: dict[str, list[dict[str, Any]]],
    epoch_us: int,
) -> None:
    """The rows the items of walk ``w``'s legs ``legs`` give inside the span: light halts,
    overspeed and harsh episodes, incident effects."""
    rows = _ItemRows(fleet, w, legs, it, span, epoch_us)
    seg = ~it.halt & rows.inside
    tables["halts"].extend(rows.halts(np.flatnonzero(rows.inside & it.red)))
    over = np.flatnonzero(seg & (it.speed_peak_mps > it.limit_mps))
    tables["overspeed"].extend(rows.overspeed(int(i)) for i in over)
    for kind, mask in (("harsh_acceleration", it.harsh_accel), ("harsh_braking", it.harsh_brake)):
        tables["harsh"].extend(rows.harsh(int(i), kind) for i in np.flatnonzero(seg & mask))
    hit = np.flatnonzero(seg & (it.incident >= 0))
    tables["incident_effects"].extend(rows.incident_effect(int(i)) for i in hit)


class _ItemRows:
    """Truth rows from items (``i``: an item's index), with their vehicle, road and place."""

    def __init__(
        self,
        fleet: fleet_mod.Fleet,
        w: timeline.Walk,
        legs: I64,
        it: dynamics.Items,
        span: _Span,
        epoch_us: int,
    ) -> None:
        self.sc, self.w, self.it, self.span, self.epoch_us = fleet.scenario, w, it, span, epoch_us
        self.vehicle = w.legs.row[legs[it.leg]]  # per item: the fleet row
        self.vehicle_id = fleet.vehicle_id
        self.end_us = it.start_us + it.dur_us
        self.inside = (self.end_us > span.t0) & (it.start_us < span.t1)

    def who(self, i: int) -> str:
        return str(self.vehicle_id[self.vehicle[i]].decode())

    def road(self, i: int) -> dict[str, Any]:
        e = int(self.it.edge[i])
        return {
            "road_id": self.sc.edge_id[e].decode(),
            "road_name": self.sc.edge_name[e],
            "speed_limit_kmh": float(self.sc.edge_limit_kmh[e]),
        }

    def at(self, i: int, t_us: int) -> dict[str, float]:
        sc, it = self.sc, self.it
        x, _ = dynamics.motion(it, np.array([i]), np.array([t_us]))
        f = float(x[0] / it.len_m[i]) if it.len_m[i] > 0 else 0.0
        a, b = int(it.node_a[i]), int(it.node_b[i])
        lat = sc.node_lat[a] + f * (sc.node_lat[b] - sc.node_lat[a])
        lon = sc.node_lon[a] + f * (sc.node_lon[b] - sc.node_lon[a])
        return {"latitude": round(float(lat), 6), "longitude": round(float(lon), 6)}

    def halts(self, halts: I64) -> list[dict[str, Any]]:
        """Red-light halts: where, how long, and their first and last fix at zero speed."""
        if not halts.size:
            return []
        it, epoch_us = self.it, self.epoch_us
        first, last = self.span.zero_run(
            self.vehicle[halts], it.start_us[halts], self.end_us[halts]
        )
        return [
            {
                "vehicle_id": self.who(i),
                "node": int(it.node_b[i]),
                **self.road(i),
                **self.at(i, int(it.start_us[i])),
                "start_us": int(it.start_us[i]) + epoch_us,
                "end_us": int(self.end_us[i]) + epoch_us,
                "duration_s": round(int(it.dur_us[i]) / 1e6, 3),
                "first_fix_us": int(first[j]) + epoch_us if first[j] <= last[j] else None,
                "last_fix_us": int(last[j]) + epoch_us if first[j] <= last[j] else None,
            }
            for j, i in enumerate(halts)
        ]

    def overspeed(self, i: int) -> dict[str, Any]:
        """From reaching the limit while accelerating to falling under it while braking."""
        it, epoch_us = self.it, self.epoch_us
        reaches_limit_s = (it.limit_mps[i] - it.speed_in_mps[i]) / it.accel_mps2[i]
        braking_to_limit_s = (it.speed_peak_mps[i] - it.limit_mps[i]) / it.decel_mps2[i]
        s = int(it.start_us[i]) + int(round(reaches_limit_s * 1e6))
        e = int(it.start_us[i]) + int(
            round((it.accel_s[i] + it.cruise_s[i] + braking_to_limit_s) * 1e6)
        )
        tick = self.span.tick
        f, la = self.span.clip(_ceil(np.array([s + tick]), tick), _floor(np.array([e]), tick))
        return {
            "vehicle_id": self.who(i),
            **self.road(i),
            **self.at(i, s),
            "start_us": s + epoch_us,
            "end_us": e + epoch_us,
            "peak_kmh": round(float(it.speed_peak_mps[i] * 3.6), 2),
            "first_fix_us": int(f[0]) + epoch_us if f[0] <= la[0] else None,
            "last_fix_us": int(la[0]) + epoch_us if f[0] <= la[0] else None,
        }

    def harsh(self, i: int, kind: str) -> dict[str, Any]:
        """A harsh acceleration (the segment's acceleration phase) or braking (its braking)."""
        it, epoch_us = self.it, self.epoch_us
        t_seg = int(it.start_us[i])
        if kind == "harsh_acceleration":
            s, e, peak = t_seg, t_seg + int(round(it.accel_s[i] * 1e6)), float(it.accel_mps2[i])
            v_from, v_to = it.speed_in_mps[i], it.speed_peak_mps[i]
        else:
            s = t_seg + int(round((it.accel_s[i] + it.cruise_s[i]) * 1e6))
            e, peak = int(self.end_us[i]), float(it.decel_mps2[i])
            v_from, v_to = it.speed_peak_mps[i], it.speed_out_mps[i]
        return {
            "vehicle_id": self.who(i),
            "kind": kind,
            **self.road(i),
            **self.at(i, s),
            "start_us": s + epoch_us,
            "end_us": e + epoch_us,
            "peak_ms2": round(peak, 3),
            "speed_from_kmh": round(float(v_from * 3.6), 2),
            "speed_to_kmh": round(float(v_to * 3.6), 2),
        }

    def incident_effect(self, i: int) -> dict[str, Any]:
        """A segment driven slower for an incident on it."""
        it, incidents = self.it, self.w.incidents
        return {
            "vehicle_id": self.who(i),
            "incident_id": incidents.incident_id[it.incident[i]].decode(),
            **self.road(i),
            "start_us": int(it.start_us[i]) + self.epoch_us,
            "end_us": int(self.end_us[i]) + self.epoch_us,
            "speed_factor": round(float(incidents.factor[it.incident[i]]), 3),
            "peak_kmh": round(float(it.speed_peak_mps[i] * 3.6), 2),
        }


def _incidents(
    fleet: fleet_mod.Fleet,
    shard: int,
    shard_count: int,
    t0: int,
    t1: int,
    tables: dict[str, list[dict[str, Any]]],
    epoch_us: int,
) -> None:
    sc = fleet.scenario
    for u in range((t0 // 1000 - 5_400_000) // DAY_MS, (t1 // 1000 - 1) // DAY_MS + 1):
        p = days.placed(sc.name, fleet.seed, fleet.size, u)
        s = p.schedule
        mine = (s.slot % shard_count == shard) & (s.resolved_ms * 1000 > t0)
        mine &= s.reported_ms * 1000 < t1
        reporter = fleet_mod.vehicle_ids(s.reporter, fleet.size)
        picked = np.flatnonzero(mine)
        # where each reporter really is at the report time (its drive with incidents): an
        # earlier incident may have held it up behind the spot it reports from
        who, which = np.unique(s.reporter[picked], return_inverse=True)
        really = days.state(
            fleet_mod.build_indices(sc, fleet.seed, who, fleet.size),
            which,
            s.reported_ms[picked] * 1000,
        )
        away = geo.haversine_m(really.lat, really.lon, p.lat[picked], p.lon[picked])
        for j, i in enumerate(picked):
            e = int(p.edge[i])
            tables["incidents"].append(
                {
                    "incident_id": s.incident_id[i].decode(),
                    "reporter_vehicle_id": reporter[i].decode(),
                    "road_id": sc.edge_id[e].decode(),
                    "latitude": round(float(p.lat[i]), 6),
                    "longitude": round(float(p.lon[i]), 6),
                    "severity": int(s.severity[i]),
                    "speed_factor": round(float(0.75 - 0.10 * s.severity[i]), 3),
                    "reported_us": int(s.reported_ms[i]) * 1000 + epoch_us,
                    "active_us": int(s.active_ms[i]) * 1000 + epoch_us,
                    "resolved_us": int(s.resolved_ms[i]) * 1000 + epoch_us,
                    "reporter_distance_m": round(float(away[j]), 2),
                }
            )


_TS = "timestamp"
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "dwells": (
        ("vehicle_id", "string"),
        ("kind", "string"),
        ("place", "string"),
        ("node", "int64"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("first_fix_us", _TS),
        ("last_fix_us", _TS),
        ("duration_s", "double"),
    ),
    "halts": (
        ("vehicle_id", "string"),
        ("node", "int64"),
        ("road_id", "string"),
        ("road_name", "string"),
        ("speed_limit_kmh", "double"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("duration_s", "double"),
        ("first_fix_us", _TS),
        ("last_fix_us", _TS),
    ),
    "overspeed": (
        ("vehicle_id", "string"),
        ("road_id", "string"),
        ("road_name", "string"),
        ("speed_limit_kmh", "double"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("peak_kmh", "double"),
        ("first_fix_us", _TS),
        ("last_fix_us", _TS),
    ),
    "harsh": (
        ("vehicle_id", "string"),
        ("kind", "string"),
        ("road_id", "string"),
        ("road_name", "string"),
        ("speed_limit_kmh", "double"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("peak_ms2", "double"),
        ("speed_from_kmh", "double"),
        ("speed_to_kmh", "double"),
    ),
    "refuels": (
        ("vehicle_id", "string"),
        ("place", "string"),
        ("node", "int64"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("duration_s", "double"),
        ("fuel_type", "string"),
        ("fuel_before_pct", "double"),
        ("fuel_after_pct", "double"),
    ),
    "gps_outages": (
        ("vehicle_id", "string"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("first_missing_fix_us", _TS),
        ("last_missing_fix_us", _TS),
    ),
    "incidents": (
        ("incident_id", "string"),
        ("reporter_vehicle_id", "string"),
        ("road_id", "string"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("severity", "int64"),
        ("speed_factor", "double"),
        ("reported_us", _TS),
        ("active_us", _TS),
        ("resolved_us", _TS),
        ("reporter_distance_m", "double"),
    ),
    "incident_effects": (
        ("vehicle_id", "string"),
        ("incident_id", "string"),
        ("road_id", "string"),
        ("road_name", "string"),
        ("speed_limit_kmh", "double"),
        ("start_us", _TS),
        ("end_us", _TS),
        ("speed_factor", "double"),
        ("peak_kmh", "double"),
    ),
}


def column_name(name: str) -> str:
    """Parquet column of a row key: ``start_us`` -> ``start_ts`` (a UTC timestamp)."""
    return name[:-3] + "_ts" if name.endswith("_us") else name


def write_truth(directory: str | Path, tables: dict[str, list[dict[str, Any]]]) -> list[Path]:
    """Write ``truth(...)`` tables as ``<directory>/<table>.parquet`` (times: UTC, µs)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        from vts.exceptions import NotInstalledError

        raise NotInstalledError("pyarrow", extra="spark") from None
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    types = {
        "string": pa.string(),
        "int64": pa.int64(),
        "double": pa.float64(),
        _TS: pa.timestamp("us", tz="UTC"),
    }
    written = []
    for name, columns in COLUMNS.items():
        rows = tables.get(name, [])
        arrays = [
            pa.array([r.get(c) for r in rows], type=pa.int64()).cast(types[t])
            if t == _TS
            else pa.array([r.get(c) for r in rows], type=types[t])
            for c, t in columns
        ]
        schema = pa.schema([(column_name(c), types[t]) for c, t in columns])
        path = target / f"{name}.parquet"
        pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)
        written.append(path)
    return written
