"""The fleet: each vehicle's identity and its looped route, and its state at any instant.

Every vehicle drives a closed loop through a few places of the scenario (``WAYPOINTS``),
along grid roads (a leg goes along one road, turns once, and follows the crossing road),
at a speed set by each segment's speed limit and the driver, and dwells at each place.
The loop repeats from the scenario epoch, shifted by a per-vehicle offset, and runs only
during the vehicle's daily shift (taxis always, private cars and vans by day, buses from
early morning to late evening; parked otherwise), so the state at time ``t`` is a
closed-form function of (scenario, seed, vehicle, t): any window is computed directly,
without replaying history.

Times are integer microseconds and distances integer millimetres wherever they are summed,
so a vehicle's numbers never depend on which other vehicles share its array (shards agree
with the whole fleet bit for bit).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator import geo
from simulator.hashing import integers, salt, uniform
from simulator.scenario import Scenario, load
from simulator.text import ids

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.bytes_]

WAYPOINTS = 6

# vehicle_type, make, model, fuel_type, relative weight, range on a full tank/battery (km)
CATALOGUE: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("private", "Toyota", "Corolla", "Hybrid", 8, 800),
    ("private", "Toyota", "Corolla", "Petrol", 4, 650),
    ("private", "Ford", "Focus", "Petrol", 6, 600),
    ("private", "Ford", "Focus", "Diesel", 3, 800),
    ("private", "Volkswagen", "Golf", "Petrol", 5, 650),
    ("private", "Volkswagen", "ID.3", "Electric", 3, 380),
    ("private", "BMW", "3 Series", "Diesel", 3, 850),
    ("private", "BMW", "3 Series", "Hybrid", 2, 700),
    ("private", "Tesla", "Model 3", "Electric", 4, 450),
    ("private", "Nissan", "Leaf", "Electric", 3, 270),
    ("private", "Kia", "Niro", "Hybrid", 3, 750),
    ("private", "Vauxhall", "Corsa", "Petrol", 5, 600),
    ("taxi", "Toyota", "Prius", "Hybrid", 5, 900),
    ("taxi", "LEVC", "TX", "Hybrid", 4, 500),
    ("taxi", "Skoda", "Octavia", "Diesel", 2, 900),
    ("van", "Ford", "Transit", "Diesel", 5, 700),
    ("van", "Ford", "E-Transit", "Electric", 2, 250),
    ("van", "Mercedes-Benz", "Sprinter", "Diesel", 4, 750),
    ("van", "Renault", "Kangoo", "Diesel", 2, 700),
    ("truck", "Volvo", "FH", "Diesel", 3, 1200),
    ("truck", "Scania", "R 450", "Diesel", 2, 1300),
    ("truck", "DAF", "XF", "Diesel", 2, 1200),
    ("bus", "Alexander Dennis", "Enviro400", "Diesel", 2, 600),
    ("bus", "Alexander Dennis", "Enviro400EV", "Electric", 2, 300),
    ("bus", "Wrightbus", "StreetDeck", "Hybrid", 2, 550),
)
VEHICLE_TYPES = ("private", "taxi", "van", "truck", "bus")
# per vehicle type: driver speed factor range (x speed limit), dwell range at a place (s)
BEHAVIOUR: dict[str, tuple[float, float, float, float]] = {
    "private": (0.80, 1.15, 60.0, 900.0),
    "taxi": (0.85, 1.12, 30.0, 180.0),
    "van": (0.85, 1.08, 120.0, 600.0),
    "truck": (0.75, 1.00, 300.0, 1200.0),
    "bus": (0.70, 0.95, 20.0, 90.0),
}
# per vehicle type: daily shift (UTC hours) start range and length range; parked otherwise
SHIFTS: dict[str, tuple[float, float, float, float]] = {
    "private": (6.0, 9.5, 9.0, 13.0),
    "taxi": (0.0, 0.0, 24.0, 24.0),
    "van": (5.5, 8.0, 9.0, 11.0),
    "truck": (4.0, 8.0, 10.0, 14.0),
    "bus": (5.0, 6.0, 17.0, 18.0),
}
DAY_US = 86_400_000_000

_MAKE = np.array([c[1] for c in CATALOGUE], dtype="S")
_MODEL = np.array([c[2] for c in CATALOGUE], dtype="S")
_FUEL = np.array([c[3] for c in CATALOGUE], dtype="S")
_TYPE_CODE = np.array([VEHICLE_TYPES.index(c[0]) for c in CATALOGUE])
_TYPE = np.array(VEHICLE_TYPES, dtype="S")
_CUM_WEIGHT = np.cumsum([c[4] for c in CATALOGUE]) / sum(c[4] for c in CATALOGUE)
_RANGE_KM = np.array([c[5] for c in CATALOGUE])
_BEHAVIOUR = np.array([BEHAVIOUR[t] for t in VEHICLE_TYPES])
_SHIFTS = np.array([SHIFTS[t] for t in VEHICLE_TYPES])


def vehicle_ids(index: npt.ArrayLike, fleet_size: int) -> Bytes:
    """Stable vehicle ids from fleet indices: ``VEH-000042``."""
    return ids("VEH-", index, max(6, len(str(max(fleet_size - 1, 0)))))


@dataclass(frozen=True, eq=False)
class Fleet:
    """The vehicles of one shard: identity, route items and loop timing (all numpy arrays).

    Per vehicle (index ``v`` into these arrays, fleet index ``index[v]``): identity, loop
    period ``period_us``, loop length ``loop_mm`` and start offset ``offset_us``. Per route
    item (a segment driven, or a dwell at a place): start within the global item timeline
    ``item_start_us`` (``base_us[v]`` + time into the loop), duration, start point and
    displacement, heading, distance into the loop, road segment (edge, -1 for a dwell).
    """

    scenario: Scenario
    seed: int
    size: int  # vehicles in the whole fleet (all shards)
    index: I64
    vehicle_id: Bytes
    make: Bytes
    model: Bytes
    fuel_type: Bytes
    vehicle_type: Bytes
    year: I64
    odometer_base_km: F64
    range_km: F64
    refuel_span_km: F64
    fuel_offset_km: F64
    period_us: I64
    loop_mm: I64
    offset_us: I64
    shift_start_us: I64  # time of day (UTC) the vehicle starts driving
    shift_us: I64  # how long it drives each day (a whole day: always)
    base_us: I64
    item_start_us: I64
    item_local_us: I64
    item_dur_us: I64
    item_node: I64
    item_lat: F64
    item_lon: F64
    item_dlat: F64
    item_dlon: F64
    item_heading: F64
    item_arc_mm: I64
    item_len_m: F64
    item_edge: I64
    item_seq: I64
    item_vehicle: I64
    gps_omega: F64  # (vehicles, 9) angular frequencies of the GPS error terms (rad/s)
    gps_phase: F64  # (vehicles, 9) their phases

    def __len__(self) -> int:
        return int(self.index.size)


@dataclass(frozen=True, eq=False)
class State:
    """Vehicles' true state at given instants (one entry per (vehicle, instant) asked)."""

    lat: F64
    lon: F64
    distance_m: F64  # driven since the scenario epoch
    heading: F64
    item: I64


@functools.lru_cache(maxsize=4)
def build(scenario: str, seed: int, size: int, shard: int = 0, shard_count: int = 1) -> Fleet:
    """The vehicles of fleet indices ``shard, shard + shard_count, ...`` below ``size``."""
    return _build(load(scenario), seed, np.arange(shard, size, shard_count, dtype=np.int64), size)


def _waypoints(sc: Scenario, seed: int, index: I64) -> I64:
    n_places = sc.place_node.size
    k = np.arange(WAYPOINTS)
    pos = integers(salt(sc.name, seed, "waypoint"), n_places, index[:, None], k[None, :])
    for j in range(1, WAYPOINTS):  # consecutive places differ, and the last differs from the first
        forbidden = [pos[:, j - 1]] + ([pos[:, 0]] if j == WAYPOINTS - 1 else [])
        for _ in range(len(forbidden) + 1):
            clash = np.zeros(index.size, dtype=bool)
            for f in forbidden:
                clash |= pos[:, j] == f
            pos[:, j] = np.where(clash, (pos[:, j] + 1) % n_places, pos[:, j])
    return np.asarray(sc.place_node[pos], dtype=np.int64)


def _node_after(
    steps: I64, ra: I64, ca: I64, dr: I64, dc: I64, hfirst: npt.NDArray[np.bool_]
) -> tuple[I64, I64]:
    """Grid (row, column) reached after ``steps`` steps of a leg (columns first if ``hfirst``)."""
    sr, sc_ = np.sign(dr), np.sign(dc)
    adr, adc = np.abs(dr), np.abs(dc)
    # columns first: along the row, then along the column
    h_r = np.where(steps <= adc, ra, ra + sr * (steps - adc))
    h_c = np.where(steps <= adc, ca + sc_ * steps, ca + dc)
    # rows first
    v_r = np.where(steps <= adr, ra + sr * steps, ra + dr)
    v_c = np.where(steps <= adr, ca, ca + sc_ * (steps - adr))
    r = np.where(hfirst, h_r, v_r)
    c = np.where(hfirst, h_c, v_c)
    return np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64)


def _build(sc: Scenario, seed: int, index: I64, size: int) -> Fleet:
    n = index.size
    cols = sc.cols
    variant = np.searchsorted(_CUM_WEIGHT, uniform(salt(sc.name, seed, "variant"), index), "right")
    variant = np.minimum(variant, len(CATALOGUE) - 1)
    type_code = _TYPE_CODE[variant]
    behaviour = _BEHAVIOUR[type_code]
    year = 2025 - (uniform(salt(sc.name, seed, "age"), index) ** 1.4 * 17).astype(np.int64)
    age = 2025 - year
    odo_base = (age + uniform(salt(sc.name, seed, "odo"), index)) * (
        6000 + 14000 * uniform(salt(sc.name, seed, "usage"), index)
    ) + 50.0
    range_km = _RANGE_KM[variant] * (0.9 + 0.2 * uniform(salt(sc.name, seed, "range"), index))
    refuel_at = 10.0 + 15.0 * uniform(salt(sc.name, seed, "refuel"), index)
    refuel_span = range_km * (1.0 - refuel_at / 100.0)
    fuel_offset = refuel_span * uniform(salt(sc.name, seed, "fuel"), index)
    driver = behaviour[:, 0] + (behaviour[:, 1] - behaviour[:, 0]) * uniform(
        salt(sc.name, seed, "driver"), index
    )

    # legs: waypoint k -> waypoint k+1 (cyclic), flattened vehicle-major
    wp = _waypoints(sc, seed, index)
    a = wp.ravel()
    b = np.roll(wp, -1, axis=1).ravel()
    ra, ca, rb, cb = a // cols, a % cols, b // cols, b % cols
    dr, dc = rb - ra, cb - ca
    steps = np.abs(dr) + np.abs(dc)
    leg_vehicle = np.repeat(np.arange(n), WAYPOINTS)
    leg_no = np.tile(np.arange(WAYPOINTS), n)
    hfirst = uniform(salt(sc.name, seed, "leg-order"), index[leg_vehicle], leg_no) < 0.5

    # items: each leg's steps, then a dwell at its destination
    count = steps + 1
    leg_of = np.repeat(np.arange(a.size), count)
    first_of_leg = np.cumsum(count) - count
    j = np.arange(leg_of.size) - first_of_leg[leg_of]
    dwell = j == steps[leg_of]
    args = (ra[leg_of], ca[leg_of], dr[leg_of], dc[leg_of], hfirst[leg_of])
    r0, c0 = _node_after(j, *args)
    r1, c1 = _node_after(np.minimum(j + 1, steps[leg_of]), *args)
    n_from = np.where(dwell, b[leg_of], r0 * cols + c0)
    n_to = np.where(dwell, b[leg_of], r1 * cols + c1)
    vehicle = leg_vehicle[leg_of]
    first_item = np.searchsorted(vehicle, np.arange(n))
    seq = np.arange(vehicle.size) - first_item[vehicle]

    edge = np.where(dwell, -1, sc.edge_between(n_from, np.where(dwell, n_from + 1, n_to)))
    safe_edge = np.maximum(edge, 0)
    length = np.where(dwell, 0.0, sc.edge_length_m[safe_edge])
    limit_ms = sc.edge_limit_kmh[safe_edge] / 3.6
    jitter = 0.92 + 0.16 * uniform(salt(sc.name, seed, "segment-speed"), index[vehicle], seq)
    speed = limit_ms * driver[vehicle] * jitter
    dwell_lo, dwell_hi = behaviour[vehicle, 2], behaviour[vehicle, 3]
    dwell_s = dwell_lo + (dwell_hi - dwell_lo) * uniform(
        salt(sc.name, seed, "dwell"), index[vehicle], seq
    )
    dur_us = np.maximum(np.rint(np.where(dwell, dwell_s, length / speed) * 1e6), 1).astype(np.int64)
    len_mm = np.rint(length * 1000).astype(np.int64)

    lat0, lon0 = sc.node_lat[n_from], sc.node_lon[n_from]
    lat1, lon1 = sc.node_lat[n_to], sc.node_lon[n_to]
    heading = geo.bearing_deg(lat0, lon0, lat1, lon1)
    prev = np.maximum(np.arange(vehicle.size) - 1, 0)
    heading = np.where(dwell, heading[prev], heading)  # a dwell keeps the arrival heading

    item_end = np.cumsum(dur_us)
    item_start = item_end - dur_us
    base_us = item_start[first_item]
    period_us = np.add.reduceat(dur_us, first_item)
    arc_end = np.cumsum(len_mm)
    arc_start = arc_end - len_mm
    loop_mm = np.add.reduceat(len_mm, first_item)
    offset_us = (uniform(salt(sc.name, seed, "offset"), index) * period_us).astype(np.int64)
    shifts = _SHIFTS[type_code]
    hour_us = 3_600_000_000
    shift_start = (
        (
            shifts[:, 0]
            + (shifts[:, 1] - shifts[:, 0]) * uniform(salt(sc.name, seed, "shift"), index)
        )
        * hour_us
    ).astype(np.int64)
    shift_len = (
        (
            shifts[:, 2]
            + (shifts[:, 3] - shifts[:, 2]) * uniform(salt(sc.name, seed, "shift-len"), index)
        )
        * hour_us
    ).astype(np.int64)
    shift_len = np.minimum(shift_len, DAY_US - shift_start)  # a shift ends by midnight

    k9 = np.arange(9)
    periods = np.array([420.0, 65.0, 150.0, 47.0, 29.0, 53.0, 31.0, 61.0, 37.0])
    spread = 0.7 + 0.6 * uniform(salt(sc.name, seed, "gps-period"), index[:, None], k9[None, :])
    gps_omega = 2 * np.pi / (periods[None, :] * spread)
    gps_phase = 2 * np.pi * uniform(salt(sc.name, seed, "gps-phase"), index[:, None], k9[None, :])

    return Fleet(
        scenario=sc,
        seed=seed,
        size=size,
        index=index,
        vehicle_id=vehicle_ids(index, size),
        make=_MAKE[variant],
        model=_MODEL[variant],
        fuel_type=_FUEL[variant],
        vehicle_type=_TYPE[type_code],
        year=year,
        odometer_base_km=odo_base,
        range_km=range_km,
        refuel_span_km=refuel_span,
        fuel_offset_km=fuel_offset,
        period_us=period_us,
        loop_mm=loop_mm,
        offset_us=offset_us,
        shift_start_us=shift_start,
        shift_us=shift_len,
        base_us=base_us,
        item_start_us=item_start,
        item_local_us=item_start - base_us[vehicle],
        item_dur_us=dur_us,
        item_node=n_from,
        item_lat=lat0,
        item_lon=lon0,
        item_dlat=lat1 - lat0,
        item_dlon=lon1 - lon0,
        item_heading=heading,
        item_arc_mm=arc_start - arc_start[first_item][vehicle],
        item_len_m=len_mm / 1000.0,
        item_edge=edge,
        item_seq=seq,
        item_vehicle=vehicle,
        gps_omega=gps_omega,
        gps_phase=gps_phase,
    )


def state(fleet: Fleet, vehicle: I64, t_us: I64) -> State:
    """True state of ``fleet`` vehicles ``vehicle`` (array indices) at ``t_us`` (µs since epoch).

    ``vehicle`` and ``t_us`` broadcast together.
    """
    v, t = np.broadcast_arrays(np.asarray(vehicle), np.asarray(t_us, dtype=np.int64))
    u = driving_us(fleet, v, t) + fleet.offset_us[v]
    period = fleet.period_us[v]
    loops = u // period
    phase = u - loops * period
    item = np.searchsorted(fleet.item_start_us, fleet.base_us[v] + phase, side="right") - 1
    frac = (phase - fleet.item_local_us[item]) / fleet.item_dur_us[item]
    lat = fleet.item_lat[item] + frac * fleet.item_dlat[item]
    lon = fleet.item_lon[item] + frac * fleet.item_dlon[item]
    distance = (loops * fleet.loop_mm[v] + fleet.item_arc_mm[item]) / 1000.0 + frac * (
        fleet.item_len_m[item]
    )
    return State(lat, lon, distance, fleet.item_heading[item], item)


def driving_us(fleet: Fleet, vehicle: I64, t_us: I64) -> I64:
    """Time the vehicles have spent driving (on shift) from the epoch to ``t_us``.

    A vehicle's route clock runs only during its daily shift; off shift it is parked, so
    its position, odometer and fuel hold still (and its speed is 0).
    """
    day = t_us // DAY_US
    time_of_day = t_us - day * DAY_US
    shift = fleet.shift_us[vehicle]
    on_shift = np.clip(time_of_day - fleet.shift_start_us[vehicle], 0, shift)
    return np.asarray(day * shift + on_shift, dtype=np.int64)


def wall_us(fleet: Fleet, vehicle: I64, driving: I64) -> I64:
    """The instant (µs since the epoch) the vehicles' driving time reaches ``driving``."""
    shift = fleet.shift_us[vehicle]
    day = driving // shift
    return np.asarray(day * DAY_US + fleet.shift_start_us[vehicle] + (driving - day * shift))
