"""The fleet: each vehicle's identity, driver, shift and plans, and its state at any instant.

Every vehicle has a home (a house, a taxi rank, a depot), a daily shift (taxis most of the
day, private cars and vans by day, buses from early morning to late evening; parked at
home otherwise), a driver (speed factor, acceleration and braking by vehicle type, and
habits: some speed, some brake or pull away hard) and a plan per day of the week
(``plan``). ``timeline`` walks a day's legs and gives the state at any instant; nothing
needs an earlier day, so any window is computed directly, without replaying history.

Times are integer microseconds and distances integer millimetres wherever they are summed,
so a vehicle's numbers never depend on which other vehicles share its array (shards agree
with the whole fleet bit for bit).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from simulator.model import plan as plan_mod
from simulator.model import week
from simulator.model.hashing import integers, salt, uniform
from simulator.model.scenario import Scenario, load
from simulator.model.segments import Driving
from simulator.model.text import ids, to_unix_ms

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.bytes_]

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
    "private": (0.85, 0.99, 60.0, 900.0),
    "taxi": (0.88, 0.99, 60.0, 240.0),
    "van": (0.85, 0.98, 120.0, 600.0),
    "truck": (0.80, 0.95, 300.0, 1200.0),
    "bus": (0.75, 0.92, 60.0, 150.0),
}
# per vehicle type: acceleration and braking ranges (m/s^2) of its drivers (normal driving)
ACCEL: dict[str, tuple[float, float, float, float]] = {
    "private": (1.6, 2.4, 2.0, 2.8),
    "taxi": (1.8, 2.5, 2.2, 3.0),
    "van": (1.2, 1.8, 1.8, 2.5),
    "truck": (0.6, 1.0, 1.2, 1.8),
    "bus": (0.8, 1.2, 1.2, 1.6),
}
# per vehicle type: share of drivers who speed, brake harshly, pull away harshly
HABITS: dict[str, tuple[float, float, float]] = {
    "private": (0.25, 0.15, 0.15),
    "taxi": (0.30, 0.20, 0.20),
    "van": (0.20, 0.15, 0.10),
    "truck": (0.0, 0.0, 0.0),
    "bus": (0.0, 0.0, 0.0),
}
# per vehicle type: daily shift (UTC hours) start range and length range; parked otherwise
SHIFTS: dict[str, tuple[float, float, float, float]] = {
    "private": (6.0, 9.5, 9.0, 13.0),
    "taxi": (0.0, 24.0, 17.0, 20.0),
    "van": (5.5, 8.0, 9.0, 11.0),
    "truck": (4.0, 8.0, 10.0, 14.0),
    "bus": (5.0, 6.0, 17.0, 18.0),
}
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
GPS_OUTAGE_P = 0.3  # chance a vehicle loses GPS once on a given day
GPS_OUTAGE_S = (20.0, 480.0)

_MAKE = np.array([c[1] for c in CATALOGUE], dtype="S")
_MODEL = np.array([c[2] for c in CATALOGUE], dtype="S")
_FUEL = np.array([c[3] for c in CATALOGUE], dtype="S")
_TYPE_CODE = np.array([VEHICLE_TYPES.index(c[0]) for c in CATALOGUE])
_TYPE = np.array(VEHICLE_TYPES, dtype="S")
_CUM_WEIGHT = np.cumsum([c[4] for c in CATALOGUE]) / sum(c[4] for c in CATALOGUE)
_RANGE_KM = np.array([c[5] for c in CATALOGUE])
_BEHAVIOUR = np.array([BEHAVIOUR[t] for t in VEHICLE_TYPES])
_ACCEL = np.array([ACCEL[t] for t in VEHICLE_TYPES])
_HABITS = np.array([HABITS[t] for t in VEHICLE_TYPES])
_SHIFTS = np.array([SHIFTS[t] for t in VEHICLE_TYPES])
_FAST_MS = 22.3  # the fastest limit (80 km/h), for the plans' slowest-case timing


def vehicle_ids(index: npt.ArrayLike, fleet_size: int) -> Bytes:
    """Stable vehicle ids from fleet indices: ``VEH-000042``."""
    return ids("VEH-", index, max(6, len(str(max(fleet_size - 1, 0)))))


@dataclass(frozen=True, eq=False)
class Fleet:
    """The vehicles of one shard (all numpy arrays, one entry per vehicle ``v``; fleet
    index ``index[v]``): identity, home, shift, driver (``driving``) and plans (``plan``)."""

    scenario: Scenario
    seed: int
    size: int  # vehicles in the whole fleet (all shards)
    epoch_ms: int  # the scenario epoch, Unix ms
    index: I64
    vehicle_id: Bytes
    make: Bytes
    model: Bytes
    fuel_type: Bytes
    vehicle_type: Bytes
    type_code: I64
    year: I64
    odometer_base_km: F64
    range_km: F64
    home: I64
    shift_start_us: I64  # time of day (UTC) the vehicle's day starts
    shift_us: I64  # the longest its day's driving may take
    driving: Driving
    plan: plan_mod.Plan
    gps_omega: F64  # (vehicles, 9) angular frequencies of the GPS error terms (rad/s)
    gps_phase: F64  # (vehicles, 9) their phases

    def __len__(self) -> int:
        return int(self.index.size)


@functools.lru_cache(maxsize=4)
def build(scenario: str, seed: int, size: int, shard: int = 0, shard_count: int = 1) -> Fleet:
    """The vehicles of fleet indices ``shard, shard + shard_count, ...`` below ``size``."""
    return build_indices(
        load(scenario), seed, np.arange(shard, size, shard_count, dtype=np.int64), size
    )


def build_indices(sc: Scenario, seed: int, index: I64, size: int) -> Fleet:
    """The vehicles of any fleet indices (each vehicle's data depends on its index only)."""
    s = functools.partial(salt, sc.name, seed)
    variant = np.searchsorted(_CUM_WEIGHT, uniform(s("variant"), index), "right")
    variant = np.minimum(variant, len(CATALOGUE) - 1)
    type_code = _TYPE_CODE[variant]
    behaviour = _BEHAVIOUR[type_code]
    year = 2025 - (uniform(s("age"), index) ** 1.4 * 17).astype(np.int64)
    age = 2025 - year
    odo_base = (age + uniform(s("odo"), index)) * (6000 + 14000 * uniform(s("usage"), index)) + 50.0
    range_km = _RANGE_KM[variant] * (0.9 + 0.2 * uniform(s("range"), index))
    driver = behaviour[:, 0] + (behaviour[:, 1] - behaviour[:, 0]) * uniform(s("driver"), index)
    driving = _driving(s, index, type_code, driver)
    home = _home(sc, s, index, type_code)
    shifts = _SHIFTS[type_code]
    shift_start = (
        (shifts[:, 0] + (shifts[:, 1] - shifts[:, 0]) * uniform(s("shift"), index)) * HOUR_US
    ).astype(np.int64)
    shift_len = (
        (shifts[:, 2] + (shifts[:, 3] - shifts[:, 2]) * uniform(s("shift-len"), index)) * HOUR_US
    ).astype(np.int64)
    electric = _FUEL[variant] == b"Electric"
    ramp = _FAST_MS / (2 * driving.accel) + _FAST_MS / (2 * driving.decel)
    vehicles = week.Vehicles(
        index=index,
        type_code=type_code,
        home_node=home,
        driver_factor=driver,
        ramp_s=ramp,
        shift_us=shift_len,
        dwell_min_s=behaviour[:, 2],
        dwell_max_s=behaviour[:, 3],
        range_km=range_km,
        electric=electric,
    )
    plan = plan_mod.build(sc, seed, vehicles)
    gps_omega, gps_phase = _gps_wander(s, index)
    return Fleet(
        scenario=sc,
        seed=seed,
        size=size,
        epoch_ms=to_unix_ms(sc.spec.epoch),
        index=index,
        vehicle_id=vehicle_ids(index, size),
        make=_MAKE[variant],
        model=_MODEL[variant],
        fuel_type=_FUEL[variant],
        vehicle_type=_TYPE[type_code],
        type_code=type_code,
        year=year,
        odometer_base_km=odo_base,
        range_km=range_km,
        home=home,
        shift_start_us=shift_start,
        shift_us=shift_len,
        driving=driving,
        plan=plan,
        gps_omega=gps_omega,
        gps_phase=gps_phase,
    )


Salt = Callable[..., int]  # salt(scenario, seed, *what) with the first two given


def _driving(s: Salt, index: I64, type_code: I64, driver: F64) -> Driving:
    """How each vehicle drives: its acceleration and braking, and its habits."""
    acc_rng = _ACCEL[type_code]
    accel = acc_rng[:, 0] + (acc_rng[:, 1] - acc_rng[:, 0]) * uniform(s("accel"), index)
    decel = acc_rng[:, 2] + (acc_rng[:, 3] - acc_rng[:, 2]) * uniform(s("decel"), index)
    habits = _HABITS[type_code]
    hab = [uniform(s("habit", i), index) for i in range(6)]
    return Driving(
        index=index,
        accel=accel,
        decel=decel,
        driver=driver,
        speeding_p=np.where(hab[0] < habits[:, 0], 0.15 + 0.35 * hab[1], 0.0),
        harsh_brake_p=np.where(hab[2] < habits[:, 1], 0.15 + 0.35 * hab[3], 0.0),
        harsh_accel_p=np.where(hab[4] < habits[:, 2], 0.15 + 0.35 * hab[5], 0.0),
    )


def _home(sc: Scenario, s: Salt, index: I64, type_code: I64) -> I64:
    """Where each vehicle starts and ends its days: a house (private cars), a taxi rank (a
    place), or a depot (every twelfth place)."""
    depots = sc.place_node[::12]
    return np.select(
        [type_code == 0, type_code == 1],
        [
            integers(s("home"), sc.node_lat.size, index),
            sc.place_node[integers(s("rank"), sc.place_node.size, index)],
        ],
        default=depots[integers(s("depot"), depots.size, index)],
    ).astype(np.int64)


def _gps_wander(s: Salt, index: I64) -> tuple[F64, F64]:
    """(angular frequencies, phases) of each vehicle's nine GPS error sinusoids."""
    k9 = np.arange(9)
    periods = np.array([420.0, 65.0, 150.0, 47.0, 29.0, 53.0, 31.0, 61.0, 37.0])
    spread = 0.7 + 0.6 * uniform(s("gps-period"), index[:, None], k9[None, :])
    gps_omega = 2 * np.pi / (periods[None, :] * spread)
    gps_phase = 2 * np.pi * uniform(s("gps-phase"), index[:, None], k9[None, :])
    return gps_omega, gps_phase


def gps_outages(fleet: Fleet, vehicle: I64, day: I64) -> tuple[I64, I64]:
    """[start, end) µs of each vehicle's GPS outage on ``day`` (start == end: none)."""
    u = [
        uniform(salt(fleet.scenario.name, fleet.seed, "gps-outage", i), fleet.index[vehicle], day)
        for i in range(3)
    ]
    start = (
        day * DAY_US
        + fleet.shift_start_us[vehicle]
        + (u[1] * fleet.shift_us[vehicle]).astype(np.int64)
    )
    length = np.rint((GPS_OUTAGE_S[0] + (GPS_OUTAGE_S[1] - GPS_OUTAGE_S[0]) * u[2]) * 1e6).astype(
        np.int64
    )
    return np.asarray(start), np.asarray(start + np.where(u[0] < GPS_OUTAGE_P, length, 0))
