"""Fixed sensors and incidents: camera sightings, weather readings, emergency lifecycles.

- **Cameras** stand beside a road segment. A sighting is emitted at the exact instant a
  vehicle passes the camera, with the speed it drives there (radar noise ~2 %).
  Sightings belong to the shard of the vehicle sighted (that shard knows the vehicle), and
  are keyed by camera.
- **Weather stations** report every ``WEATHER_INTERVAL_MS``; each value is a sum of
  slow sinusoids in time (seasonal, diurnal, synoptic) plus a small per-station term, so
  readings are smooth and neighbouring stations agree. Stations belong to shard
  ``station % shard_count``.
- **Incidents** (``incidents``): ``Reported`` -> ``Active`` (then an ``Active`` status
  update every ``INCIDENT_UPDATE_MS``) -> ``Resolved``, at the reporter vehicle's position
  (``placement``). Slots belong to shard ``slot % shard_count``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simulator.events.batch import EventBatch
from simulator.model import days, dynamics, timeline
from simulator.model.fleet import Fleet, vehicle_ids
from simulator.model.hashing import integers, normal, salt, uuid_bytes
from simulator.model.incidents import INCIDENT_KINDS, INCIDENT_UPDATE_MS, expand
from simulator.model.placement import DAY_MS
from simulator.model.scenario import Scenario
from simulator.model.text import iso_ms
from simulator.model.weather import readings

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

WEATHER_INTERVAL_MS = 60_000
MAX_INCIDENT_MS = 5_400_000  # an incident's whole lifecycle is shorter than this

_DESCRIPTIONS = np.array(
    [
        ["Two-vehicle collision", "Vehicle hit a barrier", "Multi-vehicle collision"],
        ["Vehicle broken down in lane", "Flat tyre, vehicle stopped", "Vehicle out of fuel"],
        ["Driver taken ill", "Pedestrian injured", "Cyclist injured"],
        ["Vehicle fire", "Fire in roadside building", "Smoke on carriageway"],
        ["Police checkpoint", "Road closed by police", "Suspicious vehicle reported"],
    ],
    dtype="S",
)
_STATUS = np.array(["Reported", "Active", "Resolved"], dtype="S")


def window_legs(fleet: Fleet, t0_us: int, t1_us: int) -> list[tuple[timeline.Walk, I64]]:
    """Per walked day: the legs whose driving overlaps ``[t0_us, t1_us)``."""
    n = len(fleet)
    if n == 0:
        return []
    v = np.arange(n)
    d0 = timeline.days_of(fleet, v, np.full(n, t0_us))
    d1 = timeline.days_of(fleet, v, np.full(n, t1_us))
    out = []
    for d in range(int(d0.min()), int(d1.max()) + 1):
        w = days.walk(fleet, d, vehicles=np.flatnonzero((d0 <= d) & (d1 >= d)))
        row = w.legs.row
        legs = np.flatnonzero(
            (d0[row] <= d) & (d1[row] >= d) & (w.leg_start_us < t1_us) & (w.leg_arrive_us > t0_us)
        )
        if legs.size:
            out.append((w, legs))
    return out


def traffic_events(fleet: Fleet, t0_ms: int, t1_ms: int, epoch_unix_ms: int) -> EventBatch:
    """Camera sightings of the fleet's vehicles in ``[t0_ms, t1_ms)`` (ms since epoch)."""
    sc = fleet.scenario
    edge_camera = np.full(sc.edge_from.size, -1, dtype=np.int64)
    edge_camera[sc.camera_edge] = np.arange(sc.camera_edge.size)
    t_parts, v_parts, cam_parts, speed_parts = [], [], [], []
    for w, legs in window_legs(fleet, t0_ms * 1000, t1_ms * 1000):
        it = timeline.leg_items(fleet, w, legs)
        item = np.flatnonzero(~it.halt & (edge_camera[it.edge] >= 0))
        camera = edge_camera[it.edge[item]]
        fraction = sc.camera_fraction[camera]
        forward = it.node_a[item] == sc.edge_from[it.edge[item]]
        along = np.where(forward, fraction, 1.0 - fraction) * it.len_m[item]
        t_us = dynamics.time_at(it, item, along)
        keep = (t_us >= t0_ms * 1000) & (t_us < t1_ms * 1000)
        item, camera, t_us = item[keep], camera[keep], t_us[keep]
        _, speed = dynamics.motion(it, item, t_us)
        t_parts.append(t_us // 1000)
        v_parts.append(w.legs.row[legs[it.leg[item]]])
        cam_parts.append(camera)
        speed_parts.append(speed * 3.6)
    if not t_parts or sum(p.size for p in t_parts) == 0:
        return EventBatch.empty("traffic_data")
    t_ms, vehicle = np.concatenate(t_parts), np.concatenate(v_parts)
    camera, speed_kmh = np.concatenate(cam_parts), np.concatenate(speed_parts)
    order = np.lexsort((fleet.index[vehicle], camera, t_ms))
    t_ms, vehicle, camera, speed_kmh = t_ms[order], vehicle[order], camera[order], speed_kmh[order]
    seed = fleet.seed
    index = fleet.index[vehicle]
    event_id = uuid_bytes(salt(sc.name, seed, "event", "traffic_data"), index, t_ms)
    noise = normal(salt(sc.name, seed, "radar"), index, t_ms)
    camera_id = sc.camera_id[camera]
    snapshot = np.char.add(np.char.add(np.char.add(b"snapshots/", camera_id), b"/"), event_id)
    return EventBatch.build(
        "traffic_data",
        {
            "event_id": event_id,
            "ts": iso_ms(t_ms + epoch_unix_ms),
            "schema_version": np.ones(t_ms.size, dtype=np.int64),
            "camera_id": camera_id,
            "latitude": sc.camera_lat[camera],
            "longitude": sc.camera_lon[camera],
            "vehicle_id": fleet.vehicle_id[vehicle],
            "measured_speed_kmh": np.maximum(speed_kmh * (1 + 0.02 * noise), 0.0),
            "snapshot_ref": np.char.add(snapshot, b".jpg"),
        },
    )


def _shard_members(count: int, shard: int, shard_count: int) -> I64:
    return np.arange(shard, count, shard_count, dtype=np.int64)


def weather_events(
    sc: Scenario,
    seed: int,
    shard: int,
    shard_count: int,
    t0_ms: int,
    t1_ms: int,
    epoch_unix_ms: int,
) -> EventBatch:
    """Readings of the shard's stations at every ``WEATHER_INTERVAL_MS`` in the window."""
    stations = _shard_members(sc.station_id.size, shard, shard_count)
    ticks = np.arange(-(-t0_ms // WEATHER_INTERVAL_MS), -(-t1_ms // WEATHER_INTERVAL_MS))
    if stations.size == 0 or ticks.size == 0:
        return EventBatch.empty("weather_data")
    t_ms = np.repeat(ticks * WEATHER_INTERVAL_MS, stations.size)
    st = np.tile(stations, ticks.size)
    w = readings(sc, seed, st, t_ms, epoch_unix_ms)
    return EventBatch.build(
        "weather_data",
        {
            "event_id": uuid_bytes(salt(sc.name, seed, "event", "weather_data"), st, t_ms),
            "ts": iso_ms(t_ms + epoch_unix_ms),
            "schema_version": np.ones(t_ms.size, dtype=np.int64),
            "station_id": sc.station_id[st],
            "latitude": sc.station_lat[st],
            "longitude": sc.station_lon[st],
            **w,
        },
    )


def emergency_events(
    sc: Scenario,
    seed: int,
    fleet_size: int,
    shard: int,
    shard_count: int,
    t0_ms: int,
    t1_ms: int,
    epoch_unix_ms: int,
) -> EventBatch:
    """Lifecycle events of the shard's incident slots that fall in the window."""
    parts = [
        days.placed(sc.name, seed, fleet_size, u)
        for u in range((t0_ms - MAX_INCIDENT_MS) // DAY_MS, (t1_ms - 1) // DAY_MS + 1)
    ]
    names = ("rep", "act", "res", "slot", "lat", "lon", "kind", "sev", "code", "id", "who")
    cols: dict[str, list[np.ndarray]] = {k: [] for k in names}
    for p in parts:
        sch = p.schedule
        mine = (
            (sch.slot % shard_count == shard)
            & (sch.resolved_ms >= t0_ms)
            & (sch.reported_ms < t1_ms)
        )
        for k, a in (
            ("rep", sch.reported_ms),
            ("act", sch.active_ms),
            ("res", sch.resolved_ms),
            ("slot", sch.slot),
            ("lat", p.lat),
            ("lon", p.lon),
            ("kind", sch.kind),
            ("sev", sch.severity),
            ("code", sch.code),
            ("id", sch.incident_id),
            ("who", sch.reporter),
        ):
            cols[k].append(a[mine])
    c = {k: np.concatenate(v) for k, v in cols.items()}
    if c["rep"].size == 0:
        return EventBatch.empty("emergency_data")
    reported, active, resolved = c["rep"], c["act"], c["res"]
    updates = (resolved - active - 1) // INCIDENT_UPDATE_MS
    inc, m = expand(3 + updates)
    last = m == 2 + updates[inc]
    t_ms = np.where(
        m == 0,
        reported[inc],
        np.where(last, resolved[inc], active[inc] + (m - 1) * INCIDENT_UPDATE_MS),
    )
    status = np.where(m == 0, 0, np.where(last, 2, 1))
    keep = (t_ms >= t0_ms) & (t_ms < t1_ms)
    inc, t_ms, status = inc[keep], t_ms[keep], status[keep]
    order = np.lexsort((c["slot"][inc], t_ms))
    inc, t_ms, status = inc[order], t_ms[order], status[order]
    code = c["code"][inc]
    s = salt(sc.name, seed, "incident")
    kind = c["kind"][inc]
    return EventBatch.build(
        "emergency_data",
        {
            "event_id": uuid_bytes(salt(sc.name, seed, "event", "emergency_data"), code, t_ms),
            "ts": iso_ms(t_ms + epoch_unix_ms),
            "schema_version": np.ones(t_ms.size, dtype=np.int64),
            "incident_id": c["id"][inc],
            "incident_type": np.array(INCIDENT_KINDS, dtype="S")[kind],
            "severity": c["sev"][inc],
            "status": _STATUS[status],
            "latitude": c["lat"][inc],
            "longitude": c["lon"][inc],
            "description": _DESCRIPTIONS[kind, integers(s ^ 11, 3, code)],
            "vehicle_id": vehicle_ids(c["who"][inc], fleet_size),
        },
    )
