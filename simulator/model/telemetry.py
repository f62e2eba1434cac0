"""Per-tick vehicle events: ``vehicle_data`` (map-matched telemetry) and ``gps_data`` (raw fix).

``vehicle_data`` reports the true position on the road (the unit dead-reckons through GPS
outages), and the fuel or battery level (``plan.fuel_pct``; it shows the fill once the
vehicle has left the station). ``speed_kmh`` is the mean speed
over the tick that ends at ``ts`` (distance driven / tick), so speed x tick equals the
odometer's increase exactly; ``heading_deg`` is the bearing of the road segment the vehicle
is on (at a stop, the one it arrived on).

``gps_data`` is what a consumer GPS receiver reports at the same instant: the position off
by an error of a few metres that scales with HDOP and drifts smoothly (a slowly varying
term plus a white one, as multipath and atmospheric errors do), altitude with a larger
vertical error, Doppler speed and course with small noise, satellites in view falling as
HDOP rises. During a GPS outage (``fleet.gps_outages``) there are no ``gps_data`` fixes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.events.batch import EventBatch
from simulator.model.days import state
from simulator.model.fleet import Fleet, gps_outages
from simulator.model.hashing import normal_pair, salt, uuid_bytes
from simulator.model.text import iso_ms
from simulator.model.timeline import days_of
from vts import geo

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# horizontal 1-sigma error per unit of HDOP (user equivalent range error), metres
UERE_M = 1.8
ANTENNA_HEIGHT_M = 1.5


def vehicle_events(
    fleet: Fleet, ticks_ms: I64, tick_ms: int, epoch_unix_ms: int
) -> tuple[EventBatch, EventBatch]:
    """``vehicle_data`` and ``gps_data`` for every fleet vehicle at each tick (tick-major).

    ``ticks_ms``: the ticks' times in ms since the scenario epoch; ``tick_ms``: tick length.
    """
    if len(fleet) == 0 or ticks_ms.size == 0:
        return EventBatch.empty("vehicle_data"), EventBatch.empty("gps_data")
    at = _at_ticks(fleet, ticks_ms, tick_ms, epoch_unix_ms)
    return _vehicle_data(fleet, at), _gps_data(fleet, at)


@dataclass(frozen=True, eq=False)
class _AtTicks:
    """Every vehicle's true state at each tick (tick-major: vehicle ``v`` at ``t_ms``)."""

    ticks_ms: I64
    v: I64
    t_ms: I64
    ts: npt.NDArray[np.bytes_]
    lat: F64
    lon: F64
    heading_deg: F64
    speed_mps: F64  # over the tick before (as a speedometer averaging it)
    distance_km: F64
    fuel_pct: F64


def _at_ticks(fleet: Fleet, ticks_ms: I64, tick_ms: int, epoch_unix_ms: int) -> _AtTicks:
    nv, nt = len(fleet), int(ticks_ms.size)
    times = np.concatenate([[ticks_ms[0] - tick_ms], ticks_ms]).astype(np.int64)
    vehicles = np.arange(nv)
    st = state(fleet, np.tile(vehicles, nt + 1), np.repeat(times * 1000, nv))
    distance = st.distance_m.reshape(nt + 1, nv)
    return _AtTicks(
        ticks_ms=ticks_ms,
        v=np.tile(vehicles, nt),
        t_ms=np.repeat(ticks_ms, nv),
        ts=np.repeat(iso_ms(ticks_ms + epoch_unix_ms), nv),
        lat=st.lat[nv:],
        lon=st.lon[nv:],
        heading_deg=st.heading[nv:],
        speed_mps=(np.diff(distance, axis=0) / (tick_ms / 1000.0)).ravel(),
        distance_km=distance[1:].ravel() / 1000.0,
        fuel_pct=st.fuel_pct[nv:],
    )


def _vehicle_data(fleet: Fleet, at: _AtTicks) -> EventBatch:
    """Map-matched telemetry: the true position, speed and heading."""
    v = at.v
    event = salt(fleet.scenario.name, fleet.seed, "event", "vehicle_data")
    return EventBatch.build(
        "vehicle_data",
        {
            "event_id": uuid_bytes(event, fleet.index[v], at.t_ms),
            "ts": at.ts,
            "schema_version": np.ones(v.size, dtype=np.int64),
            "vehicle_id": fleet.vehicle_id[v],
            "latitude": at.lat,
            "longitude": at.lon,
            "speed_kmh": at.speed_mps * 3.6,
            "heading_deg": np.round(at.heading_deg, 2) % 360.0,
            "odometer_km": fleet.odometer_base_km[v] + at.distance_km,
            "fuel_level_pct": at.fuel_pct,
            "make": fleet.make[v],
            "model": fleet.model[v],
            "year": fleet.year[v],
            "fuel_type": fleet.fuel_type[v],
            "vehicle_type": fleet.vehicle_type[v],
        },
    )


def _gps_data(fleet: Fleet, at: _AtTicks) -> EventBatch:
    """Raw fixes: the true position with smooth error terms sin(omega t + phase) per
    vehicle plus white noise; none during the vehicle's GPS outages."""
    sc = fleet.scenario
    nv, nt = len(fleet), int(at.ticks_ms.size)
    v, index = at.v, fleet.index[at.v]
    t_s = at.ticks_ms / 1000.0
    waves = np.sin(
        fleet.gps_omega[None, :, :] * t_s[:, None, None] + fleet.gps_phase[None, :, :]
    ).reshape(nt * nv, 9)
    hdop = 0.7 + 0.45 * (2.0 + waves[:, 0] + waves[:, 1])
    satellites = np.clip(np.rint(17.0 - 4.5 * hdop + 1.2 * waves[:, 2]), 4, 16)
    sigma = UERE_M * hdop
    g = salt(sc.name, fleet.seed, "gps-white")
    z_north, z_east = normal_pair(g, index, at.t_ms)
    z_up, z_speed = normal_pair(g ^ 1, index, at.t_ms)
    z_course, _ = normal_pair(g ^ 2, index, at.t_ms)
    err_north = sigma * (0.8 * (waves[:, 3] + waves[:, 4]) + 0.6 * z_north)
    err_east = sigma * (0.8 * (waves[:, 5] + waves[:, 6]) + 0.6 * z_east)
    err_up = 1.6 * sigma * (0.8 * (waves[:, 7] + waves[:, 8]) + 0.6 * z_up)
    gps_lat, gps_lon = geo.offset(at.lat, at.lon, err_north, err_east)
    moving = at.speed_mps > 0.05
    speed_kmh = np.where(moving, np.maximum(at.speed_mps * 3.6 + 0.35 * z_speed, 0.0), 0.0)
    heading = at.heading_deg
    gps = EventBatch.build(
        "gps_data",
        {
            "event_id": uuid_bytes(salt(sc.name, fleet.seed, "event", "gps_data"), index, at.t_ms),
            "ts": at.ts,
            "schema_version": np.ones(v.size, dtype=np.int64),
            "vehicle_id": fleet.vehicle_id[v],
            "latitude": gps_lat,
            "longitude": gps_lon,
            "altitude_m": sc.elevation_m(at.lat, at.lon) + ANTENNA_HEIGHT_M + err_up,
            "speed_kmh": speed_kmh,
            "heading_deg": np.where(moving, (heading + 1.2 * z_course) % 360.0, heading),
            "hdop": hdop,
            "satellites": satellites,
            "vehicle_type": fleet.vehicle_type[v],
        },
    )
    fix = _outside_outages(fleet, at.ticks_ms)
    return gps if fix.all() else gps.take(fix)


def _outside_outages(fleet: Fleet, ticks_ms: I64) -> npt.NDArray[np.bool_]:
    """Per (tick, vehicle), tick-major: not in one of the vehicle's GPS outages (of the days
    the ticks touch; an outage may run past midnight)."""
    nv, nt = len(fleet), int(ticks_ms.size)
    vehicles = np.arange(nv)
    t_us = (ticks_ms * 1000)[:, None]
    first = days_of(fleet, vehicles, np.full(nv, ticks_ms[0] * 1000))
    last = days_of(fleet, vehicles, np.full(nv, ticks_ms[-1] * 1000))
    fix = np.ones((nt, nv), dtype=bool)
    for k in range(-1, int((last - first).max()) + 1):
        o_start, o_end = gps_outages(fleet, vehicles, first + k)
        fix &= ~((t_us >= o_start[None, :]) & (t_us < o_end[None, :]))
    return fix.ravel()
