"""Fixed sensors and incidents: camera sightings, weather readings, emergency lifecycles.

- **Cameras** stand beside a road segment. A sighting is emitted at the exact instant a
  vehicle's route passes the camera, with the speed it drives there (radar noise ~2 %).
  Sightings belong to the shard of the vehicle sighted (that shard knows the vehicle), and
  are keyed by camera.
- **Weather stations** report every ``WEATHER_INTERVAL_MS``; each value is a sum of
  slow sinusoids in time (seasonal, diurnal, synoptic) plus a small per-station term, so
  readings are smooth and neighbouring stations agree. Stations belong to shard
  ``station % shard_count``.
- **Incidents**: each of a fleet's incident slots (``incident_slots``) runs one incident
  after another: ``Reported`` -> ``Active`` (then an ``Active`` status update every
  ``INCIDENT_UPDATE_MS``) -> ``Resolved``, with one stable ``incident_id``. Slots belong
  to shard ``slot % shard_count``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.batch import EventBatch
from simulator.fleet import Fleet, driving_us, vehicle_ids, wall_us
from simulator.hashing import integers, normal, salt, uniform, uuid_bytes
from simulator.scenario import Scenario
from simulator.text import iso_ms

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

WEATHER_INTERVAL_MS = 60_000
INCIDENT_UPDATE_MS = 300_000
DAY_S = 86_400.0

INCIDENT_KINDS = ("Accident", "Breakdown", "Medical", "Fire", "Police")
_KIND_WEIGHT = np.cumsum([0.35, 0.25, 0.15, 0.10, 0.15])
_SEVERITY = np.array([[1, 5], [1, 2], [2, 4], [2, 5], [1, 3]])  # inclusive range per kind
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


def _ceil_div(a: I64, b: I64) -> I64:
    return np.asarray(-((-a) // b), dtype=np.int64)


def _expand(counts: I64) -> tuple[I64, I64]:
    """For ``counts`` per group: each output's group and its number within the group."""
    group = np.repeat(np.arange(counts.size), counts)
    within = np.arange(group.size) - (np.cumsum(counts) - counts)[group]
    return group, within


@dataclass(frozen=True, eq=False)
class CameraPasses:
    """Where each vehicle's loop passes a camera: its fleet array index, the time into
    its loop (µs), the camera and the speed driven there."""

    vehicle: I64
    phase_us: I64
    camera: I64
    speed_kmh: F64


@functools.lru_cache(maxsize=4)
def camera_passes(fleet: Fleet) -> CameraPasses:
    sc = fleet.scenario
    edge_camera = np.full(sc.edge_from.size, -1, dtype=np.int64)
    edge_camera[sc.camera_edge] = np.arange(sc.camera_edge.size)
    item = np.flatnonzero(
        (fleet.item_edge >= 0) & (edge_camera[np.maximum(fleet.item_edge, 0)] >= 0)
    )
    edge = fleet.item_edge[item]
    camera = edge_camera[edge]
    fraction = sc.camera_fraction[camera]
    forward = fleet.item_node[item] == sc.edge_from[edge]
    along = np.where(forward, fraction, 1.0 - fraction)
    dur = fleet.item_dur_us[item]
    return CameraPasses(
        vehicle=fleet.item_vehicle[item],
        phase_us=fleet.item_local_us[item] + np.rint(along * dur).astype(np.int64),
        camera=camera,
        speed_kmh=fleet.item_len_m[item] / (dur / 1e6) * 3.6,
    )


def traffic_events(fleet: Fleet, t0_ms: int, t1_ms: int, epoch_unix_ms: int) -> EventBatch:
    """Camera sightings of the fleet's vehicles in ``[t0_ms, t1_ms)`` (ms since epoch)."""
    passes = camera_passes(fleet)
    if passes.vehicle.size == 0:
        return EventBatch.empty("traffic_data")
    v = passes.vehicle
    period, offset = fleet.period_us[v], fleet.offset_us[v]
    # in driving time (the route clock) the loop passes camera p at k * period + phase
    d0 = driving_us(fleet, v, np.full(v.size, t0_ms * 1000))
    d1 = driving_us(fleet, v, np.full(v.size, t1_ms * 1000))
    k_lo = _ceil_div(d0 + offset - passes.phase_us, period) - 1
    k_hi = _ceil_div(d1 + offset - passes.phase_us, period) + 1
    group, within = _expand(np.maximum(k_hi - k_lo, 0))
    vehicle = v[group]
    driving = (k_lo[group] + within) * period[group] - offset[group] + passes.phase_us[group]
    t_us = wall_us(fleet, vehicle, driving)
    keep = (t_us >= t0_ms * 1000) & (t_us < t1_ms * 1000)
    group, vehicle, t_ms = group[keep], vehicle[keep], t_us[keep] // 1000
    camera = passes.camera[group]
    order = np.lexsort((fleet.index[vehicle], camera, t_ms))
    t_ms, vehicle, camera, group = t_ms[order], vehicle[order], camera[order], group[order]
    sc, seed = fleet.scenario, fleet.seed
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
            "measured_speed_kmh": np.maximum(passes.speed_kmh[group] * (1 + 0.02 * noise), 0.0),
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
    w = _weather(sc, seed, st, t_ms, epoch_unix_ms)
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


def _weather(
    sc: Scenario, seed: int, station: I64, t_ms: I64, epoch_unix_ms: int
) -> dict[str, np.ndarray]:
    ph = 2 * np.pi * uniform(salt(sc.name, seed, "weather-phase"), np.arange(8))
    local = (
        2 * np.pi * uniform(salt(sc.name, seed, "station-phase"), station, np.arange(3)[:, None])
    )
    bias = uniform(salt(sc.name, "station-bias"), station) - 0.5
    days = (t_ms + epoch_unix_ms) / 1000.0 / DAY_S  # days since 1970 (UTC)
    day_of_year = np.mod(days, 365.2425)  # close enough to the calendar for weather
    hour_angle = 2 * np.pi * np.mod(days, 1.0)
    two_pi = 2 * np.pi
    mean = sc.spec.mean_temp_c
    temp = (
        mean
        + 6.5 * np.sin(two_pi * (day_of_year - 116.0) / 365.2425)
        + 4.0 * np.sin(hour_angle - 0.75 * np.pi)
        + 2.5 * np.sin(two_pi * days / 5.3 + ph[0])
        + 1.2 * np.sin(two_pi * days / 2.1 + ph[1])
        + 1.2 * bias
        + 0.25 * np.sin(two_pi * days * 8.0 + local[0])
    )
    cloud = (
        0.55 * np.sin(two_pi * days / 2.7 + ph[2])
        + 0.35 * np.sin(two_pi * days / 0.8 + ph[3])
        + 0.15 * np.sin(two_pi * days * 4.8 + local[1])
    )
    precip = np.maximum(cloud - 0.45, 0.0) * 8.0
    humidity = np.clip(np.rint(70.0 + 20.0 * cloud - 1.2 * (temp - mean)), 25, 100)
    wind = np.maximum(
        14.0 + 7.0 * np.sin(two_pi * days / 3.4 + ph[4]) + 3.0 * np.sin(two_pi * days / 0.9 + ph[5])
        + 1.5 * np.sin(two_pi * days * 6.0 + local[2]), 0.0
    )  # fmt: skip
    rush = np.sin(2 * hour_angle - 0.6 * np.pi)  # twice-daily traffic peaks
    aqi = np.clip(
        45.0 + 15.0 * rush + 10.0 * np.sin(two_pi * days / 4.1 + ph[6]) - 0.8 * (wind - 14.0)
        - 5.0 * precip, 5.0, 500.0
    )  # fmt: skip
    condition = np.select(
        [
            (precip > 0) & (temp < 0.5),
            precip > 0,
            (humidity >= 95) & (wind < 9.0),
            cloud > 0.05,
        ],
        [b"Snow", b"Rain", b"Fog", b"Cloudy"],
        default=b"Sunny",
    ).astype("S6")
    return {
        "temperature_c": temp,
        "condition": condition,
        "precipitation_mm": precip,
        "wind_speed_kmh": wind,
        "humidity_pct": humidity,
        "aqi": aqi,
    }


def incident_slots(fleet_size: int) -> int:
    """Concurrent incident streams for a fleet (more vehicles, more incidents)."""
    return 4 + fleet_size // 250


def emergency_events(
    sc: Scenario, seed: int, fleet_size: int, shard: int, shard_count: int, t0_ms: int, t1_ms: int,
    epoch_unix_ms: int,
) -> EventBatch:  # fmt: skip
    """Lifecycle events of the shard's incident slots that fall in the window."""
    slots = _shard_members(incident_slots(fleet_size), shard, shard_count)
    if slots.size == 0:
        return EventBatch.empty("emergency_data")
    s = salt(sc.name, seed, "incident")
    period = (1_800_000 + 3_600_000 * uniform(s, slots, 1)).astype(np.int64)
    phase = (uniform(s, slots, 2) * period).astype(np.int64)
    j_lo = (t0_ms - phase) // period - 1
    j_hi = (t1_ms - phase) // period + 1
    slot_of, within = _expand(j_hi - j_lo + 1)
    slot = slots[slot_of]
    per = period[slot_of]
    j = j_lo[slot_of] + within
    ju = j.astype(np.uint64)  # a counter for the hashes (wraps for j < 0)
    code = np.uint64(1 << 32) * ju + slot.astype(np.uint64)
    start = j * per + phase[slot_of]
    reported = start + (0.2 * per * uniform(s ^ 3, code)).astype(np.int64)
    active = reported + 30_000 + (0.1 * per * uniform(s ^ 4, code)).astype(np.int64)
    resolved = active + (0.1 * per + 0.4 * per * uniform(s ^ 5, code)).astype(np.int64)
    updates = (resolved - active - 1) // INCIDENT_UPDATE_MS

    inc, m = _expand(3 + updates)
    last = m == 2 + updates[inc]
    t_ms = np.where(
        m == 0, reported[inc],
        np.where(last, resolved[inc], active[inc] + (m - 1) * INCIDENT_UPDATE_MS),
    )  # fmt: skip
    status = np.where(m == 0, 0, np.where(last, 2, 1))
    keep = (t_ms >= t0_ms) & (t_ms < t1_ms)
    inc, t_ms, status = inc[keep], t_ms[keep], status[keep]
    order = np.lexsort((slot[inc], t_ms))
    inc, t_ms, status = inc[order], t_ms[order], status[order]
    c = code[inc]
    kind = np.minimum(np.searchsorted(_KIND_WEIGHT, uniform(s ^ 6, c), "right"), 4)
    lo, hi = _SEVERITY[kind, 0], _SEVERITY[kind, 1]
    severity = lo + (uniform(s ^ 7, c) * (hi - lo + 1)).astype(np.int64)
    edge = integers(s ^ 8, sc.edge_from.size, c)
    along = uniform(s ^ 9, c)
    a, b = sc.edge_from[edge], sc.edge_to[edge]
    reporter = integers(s ^ 10, fleet_size, c)
    return EventBatch.build(
        "emergency_data",
        {
            "event_id": uuid_bytes(salt(sc.name, seed, "event", "emergency_data"), c, t_ms),
            "ts": iso_ms(t_ms + epoch_unix_ms),
            "schema_version": np.ones(t_ms.size, dtype=np.int64),
            "incident_id": uuid_bytes(s, slot[inc], j[inc]),
            "incident_type": np.array(INCIDENT_KINDS, dtype="S")[kind],
            "severity": severity,
            "status": _STATUS[status],
            "latitude": sc.node_lat[a] + along * (sc.node_lat[b] - sc.node_lat[a]),
            "longitude": sc.node_lon[a] + along * (sc.node_lon[b] - sc.node_lon[a]),
            "description": _DESCRIPTIONS[kind, integers(s ^ 11, 3, c)],
            "vehicle_id": vehicle_ids(reporter, fleet_size),
        },
    )
