"""Simulated tracks are physically consistent: speed, heading, odometer, fuel and GPS noise.

Checked on every pair of consecutive fixes of the session window (>= 10,000 fixes). On a
straight stretch the displacement between fixes must equal speed x tick and its bearing the
heading; across a turn (heading changes) the chord is shorter than the path but no shorter
than the geometry of one turn allows, and its bearing lies between the two headings.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from simulator import EventBatch, generate
from tests.simulator.conftest import SEED, START
from tests.simulator.helpers import consecutive, times_s
from vts.geo import angle_diff_deg, bearing_deg, haversine_m

POSITION_TOLERANCE_M = 0.3  # lat/lon carry 6 decimals (~0.11 m) at each end


def _pairs(batch: EventBatch) -> dict[str, np.ndarray]:
    prev, nxt = consecutive(batch)
    c = batch.columns
    t = times_s(batch)
    chord = haversine_m(
        c["latitude"][prev], c["longitude"][prev], c["latitude"][nxt], c["longitude"][nxt]
    )
    return {
        "dt": t[nxt] - t[prev],
        "path": c["speed_kmh"][nxt] / 3.6 * (t[nxt] - t[prev]),
        "chord": chord,
        "bearing": bearing_deg(
            c["latitude"][prev], c["longitude"][prev], c["latitude"][nxt], c["longitude"][nxt]
        ),
        "h_prev": c["heading_deg"][prev],
        "h_next": c["heading_deg"][nxt],
        "odo_delta_m": (c["odometer_km"][nxt] - c["odometer_km"][prev]) * 1000.0,
        "fuel_prev": c["fuel_level_pct"][prev],
        "fuel_next": c["fuel_level_pct"][nxt],
    }


def test_the_window_has_enough_fixes(city_window: dict[str, EventBatch]) -> None:
    assert len(city_window["vehicle_data"]) >= 10_000
    assert len(city_window["gps_data"]) == len(city_window["vehicle_data"])


def test_speed_agrees_with_displacement_on_straight_stretches(
    city_window: dict[str, EventBatch],
) -> None:
    p = _pairs(city_window["vehicle_data"])
    assert np.all(p["dt"] == 1.0)
    straight = p["h_prev"] == p["h_next"]
    assert straight.mean() > 0.8  # most ticks stay on one segment (or parked)
    error = np.abs(p["chord"][straight] - p["path"][straight])
    assert np.all(error <= POSITION_TOLERANCE_M + 0.002 * p["path"][straight])


def test_heading_agrees_with_bearing(city_window: dict[str, EventBatch]) -> None:
    p = _pairs(city_window["vehicle_data"])
    moved = (p["h_prev"] == p["h_next"]) & (p["chord"] > 10.0)
    assert moved.sum() > 5_000
    # the bearing of a chord of a few metres is only as good as the rounded positions
    tolerance = np.degrees(0.2 / p["chord"][moved]) + 0.05
    assert np.all(angle_diff_deg(p["bearing"][moved], p["h_next"][moved]) <= tolerance)


def test_turns_are_geometrically_possible(city_window: dict[str, EventBatch]) -> None:
    p = _pairs(city_window["vehicle_data"])
    turn = (p["h_prev"] != p["h_next"]) & (p["path"] > 0)
    assert turn.sum() > 20
    chord, path = p["chord"][turn], p["path"][turn]
    delta = angle_diff_deg(p["h_prev"][turn], p["h_next"][turn])
    assert np.all(chord <= path + POSITION_TOLERANCE_M)
    # one turn by delta: the chord is at least path * cos(delta / 2)
    assert np.all(chord >= path * np.cos(np.radians(delta) / 2) - POSITION_TOLERANCE_M)
    long_chord = chord > 10.0
    between = angle_diff_deg(p["bearing"][turn], p["h_prev"][turn]) + angle_diff_deg(
        p["bearing"][turn], p["h_next"][turn]
    )
    assert np.all((between <= delta + 1.0)[long_chord])


def test_stopped_vehicles_do_not_move_and_some_stop(city_window: dict[str, EventBatch]) -> None:
    p = _pairs(city_window["vehicle_data"])
    stopped = p["path"] == 0
    assert stopped.any() and not stopped.all()
    assert np.all(p["chord"][stopped] <= POSITION_TOLERANCE_M)


def test_odometer_is_monotone_and_matches_distance(city_window: dict[str, EventBatch]) -> None:
    p = _pairs(city_window["vehicle_data"])
    assert np.all(p["odo_delta_m"] >= -0.5)  # odometer carries whole metres
    assert np.all(np.abs(p["odo_delta_m"] - p["path"]) <= 1.01 + 0.002 * p["path"])


def test_fuel_only_falls_except_when_refuelling() -> None:
    """Thirty days at one fix per five minutes: fuel falls, and jumps up only to refuel."""
    month = generate("city", SEED, START, 30 * 86_400, vehicles=4, tick_seconds=300)
    p = _pairs(month["vehicle_data"])
    rise = p["fuel_next"] > p["fuel_prev"]
    assert rise.any(), "no vehicle refuelled in a month"
    assert np.all(p["fuel_prev"][rise] <= 30.0) and np.all(p["fuel_next"][rise] >= 70.0)
    fall = p["fuel_prev"][~rise] - p["fuel_next"][~rise]
    assert fall.max() > 0
    # at most the fuel of the distance driven: no more than 1 % per km for any vehicle
    assert np.all(fall <= p["path"][~rise] / 1000.0 * 1.0 + 0.011)


def _joined(
    city_window: dict[str, EventBatch],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    vehicle, gps = city_window["vehicle_data"], city_window["gps_data"]
    ov = np.lexsort((times_s(vehicle), vehicle.columns["vehicle_id"]))
    og = np.lexsort((times_s(gps), gps.columns["vehicle_id"]))
    v = {k: c[ov] for k, c in vehicle.columns.items()}
    g = {k: c[og] for k, c in gps.columns.items()}
    assert np.array_equal(v["vehicle_id"], g["vehicle_id"]) and np.array_equal(v["ts"], g["ts"])
    return v, g


def test_gps_error_is_realistic_and_grows_with_hdop(city_window: dict[str, EventBatch]) -> None:
    v, g = _joined(city_window)
    error = haversine_m(v["latitude"], v["longitude"], g["latitude"], g["longitude"])
    assert 1.0 <= np.median(error) <= 8.0
    assert np.percentile(error, 99) < 30.0 and error.max() < 60.0
    assert np.all((g["hdop"] >= 0.5) & (g["hdop"] <= 3.0))
    assert error[g["hdop"] > 1.9].mean() > 1.3 * error[g["hdop"] < 1.2].mean()
    assert np.all((g["satellites"] >= 4) & (g["satellites"] <= 16))
    assert np.corrcoef(g["hdop"], g["satellites"])[0, 1] < -0.5
    assert g["satellites"].min() < g["satellites"].max()


def test_gps_error_drifts_smoothly(city_window: dict[str, EventBatch]) -> None:
    """Real GPS errors are correlated from one second to the next, not white noise."""
    v, g = _joined(city_window)
    north = (g["latitude"] - v["latitude"]) * 111_195.0
    same_vehicle = v["vehicle_id"][1:] == v["vehicle_id"][:-1]
    lag1 = np.corrcoef(north[1:][same_vehicle], north[:-1][same_vehicle])[0, 1]
    assert 0.3 < lag1 < 0.99


def test_gps_speed_and_course_are_close_to_the_truth(city_window: dict[str, EventBatch]) -> None:
    v, g = _joined(city_window)
    moving = v["speed_kmh"] > 5
    assert np.median(np.abs(g["speed_kmh"] - v["speed_kmh"])[moving]) < 0.6
    assert np.all(g["speed_kmh"] >= 0)
    assert np.median(angle_diff_deg(g["heading_deg"], v["heading_deg"])[moving]) < 2.0
    assert np.all(np.abs(g["altitude_m"] - np.median(g["altitude_m"])) < 80)


def test_identity_is_stable_per_vehicle(city_window: dict[str, EventBatch]) -> None:
    later = generate("city", SEED, START + timedelta(days=3), 2, vehicles=60)["vehicle_data"]
    c = city_window["vehicle_data"].columns
    identity = ("make", "model", "year", "fuel_type", "vehicle_type")
    seen: dict[bytes, tuple[object, ...]] = {}
    for batch_columns in (c, later.columns):
        for i in range(len(batch_columns["vehicle_id"])):
            key = batch_columns["vehicle_id"][i]
            value = tuple(batch_columns[f][i] for f in identity)
            assert seen.setdefault(key, value) == value
    assert len(seen) == 60
    assert len({v[4] for v in seen.values()}) >= 3  # a mixed fleet


def test_vehicles_park_off_shift() -> None:
    """Most of the fleet drives by day and is parked at night (taxis work round the clock)."""
    night = generate("city", SEED, START.replace(hour=2), 120, vehicles=200)["vehicle_data"]
    noon = generate("city", SEED, START.replace(hour=12), 120, vehicles=200)["vehicle_data"]
    moving_at_night = (night.columns["speed_kmh"] > 0).mean()
    moving_at_noon = (noon.columns["speed_kmh"] > 0).mean()
    assert moving_at_night < 0.3 < moving_at_noon
    taxis = night.columns["vehicle_type"] == b"taxi"
    assert (night.columns["speed_kmh"][taxis] > 0).mean() > 0.3
    p = _pairs(night)
    parked = p["path"] == 0
    assert parked.mean() > 0.6 and np.all(p["odo_delta_m"][parked] <= 1.0)
