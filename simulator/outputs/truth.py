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

from simulator.model import days, plan, timeline
from simulator.model import fleet as fleet_mod
from simulator.model.generate import shard_span
from simulator.model.placement import DAY_MS
from simulator.model.scenario import load
from simulator.model.sensors import window_legs
from simulator.outputs.truth_episodes import Span, ceil_to, item_rows
from simulator.outputs.truth_schema import COLUMNS, TS, column_name
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
    checked = shard_span(
        load(scenario), window_start, window_seconds, shard, shard_count, vehicles, tick_seconds
    )
    fleet = fleet_mod.build(scenario, seed, vehicles, shard, shard_count)
    epoch_us = checked.epoch_ms * 1000
    t0, t1 = checked.t0_ms * 1000, checked.t1_ms * 1000
    span = Span(fleet, t0, t1, checked.tick_ms * 1000)
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
        item_rows(fleet, w, legs, it, span, tables, epoch_us)
    for d in range(d_lo, d_hi + 2):
        o_start, o_end = fleet_mod.gps_outages(fleet, v_all, np.full(n, d))
        hit = (o_end > o_start) & (o_end > t0) & (o_start < t1)
        for v in np.flatnonzero(hit):
            s, e = int(o_start[v]), int(o_end[v])
            first, last = (
                int(ceil_to(np.array([s]), span.tick)[0]),
                int(ceil_to(np.array([e]), span.tick)[0]) - span.tick,
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
    span: Span,
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
        TS: pa.timestamp("us", tz="UTC"),
    }
    written = []
    for name, columns in COLUMNS.items():
        rows = tables.get(name, [])
        arrays = [
            pa.array([r.get(c) for r in rows], type=pa.int64()).cast(types[t])
            if t == TS
            else pa.array([r.get(c) for r in rows], type=types[t])
            for c, t in columns
        ]
        schema = pa.schema([(column_name(c), types[t]) for c, t in columns])
        path = target / f"{name}.parquet"
        pq.write_table(pa.Table.from_arrays(arrays, schema=schema), path)
        written.append(path)
    return written
