"""Cameras sight exactly the vehicles that pass them; weather is smooth; incidents have a
lifecycle in order."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from simulator import EventBatch, generate
from simulator.model.scenario import load
from simulator.model.sensors import INCIDENT_UPDATE_MS, WEATHER_INTERVAL_MS
from tests.simulator.conftest import SEED, START
from tests.simulator.helpers import consecutive, times_s
from vts.geo import M_PER_DEG, haversine_m


def _tracks(vehicle: EventBatch) -> dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """vehicle id -> (times, latitudes, longitudes) in time order."""
    t = times_s(vehicle)
    ids = vehicle.columns["vehicle_id"]
    tracks = {}
    for vid in np.unique(ids):
        rows = np.flatnonzero(ids == vid)
        rows = rows[np.argsort(t[rows])]
        tracks[vid] = (
            t[rows],
            vehicle.columns["latitude"][rows],
            vehicle.columns["longitude"][rows],
        )
    return tracks


def test_each_sighting_is_of_a_vehicle_at_the_camera(city_window: dict[str, EventBatch]) -> None:
    traffic, vehicle = city_window["traffic_data"], city_window["vehicle_data"]
    assert len(traffic) > 5
    sc = load("city")
    cameras = {
        cid: (lat, lon)
        for cid, lat, lon in zip(sc.camera_id, sc.camera_lat, sc.camera_lon, strict=True)
    }
    tracks = _tracks(vehicle)
    t = times_s(traffic)
    c = traffic.columns
    for i in range(len(traffic)):
        cam_lat, cam_lon = cameras[c["camera_id"][i]]
        assert abs(c["latitude"][i] - cam_lat) < 1e-6 and abs(c["longitude"][i] - cam_lon) < 1e-6
        times, lats, lons = tracks[c["vehicle_id"][i]]
        lat = np.interp(t[i], times, lats)
        lon = np.interp(t[i], times, lons)
        assert haversine_m(lat, lon, cam_lat, cam_lon) < 3.0  # the vehicle is at the camera
        # the camera measured about the speed the vehicle drove past it
        k = np.searchsorted(times, t[i])
        driven = haversine_m(lats[k - 1], lons[k - 1], lats[k], lons[k]) * 3.6
        assert abs(c["measured_speed_kmh"][i] - driven) <= 0.1 * driven + 1.0


def test_every_vehicle_passing_a_camera_is_sighted(city_window: dict[str, EventBatch]) -> None:
    vehicle, traffic = city_window["vehicle_data"], city_window["traffic_data"]
    sc = load("city")
    prev, nxt = consecutive(vehicle)
    c = vehicle.columns
    t = times_s(vehicle)
    sightings = set(
        zip(
            traffic.columns["vehicle_id"].tolist(),
            traffic.columns["camera_id"].tolist(),
            strict=True,
        )
    )
    sighting_times = defaultdict(list)
    for vid, cam, when in zip(
        traffic.columns["vehicle_id"], traffic.columns["camera_id"], times_s(traffic), strict=True
    ):
        sighting_times[(vid, cam)].append(when)
    passes = 0
    for cam_id, cam_lat, cam_lon in zip(sc.camera_id, sc.camera_lat, sc.camera_lon, strict=True):
        # distance from the camera to each straight move between fixes (local metres)
        scale = np.cos(np.radians(cam_lat)) * M_PER_DEG
        ax = (c["longitude"][prev] - cam_lon) * scale
        ay = (c["latitude"][prev] - cam_lat) * M_PER_DEG
        bx = (c["longitude"][nxt] - cam_lon) * scale
        by = (c["latitude"][nxt] - cam_lat) * M_PER_DEG
        dx, dy = bx - ax, by - ay
        length2 = np.maximum(dx * dx + dy * dy, 1e-9)
        u = np.clip(-(ax * dx + ay * dy) / length2, 0.0, 1.0)
        gap = np.hypot(ax + u * dx, ay + u * dy)
        # the camera lies between two fixes, on the line the vehicle drove
        for j in np.flatnonzero((gap < 0.5) & (u > 0) & (u < 1) & (length2 > 1.0)):
            vid = c["vehicle_id"][prev[j]]
            passes += 1
            assert (vid, cam_id) in sightings
            # up to the rounding of positions to 6 decimals (~0.1 m, a few ms of driving)
            assert any(
                t[prev[j]] - 0.01 <= w <= t[nxt[j]] + 0.01 for w in sighting_times[(vid, cam_id)]
            )
    assert passes >= len(traffic) - 2 * len(np.unique(c["vehicle_id"]))  # edges of the window


def test_weather_is_smooth_in_time(long_window: dict[str, EventBatch]) -> None:
    weather = long_window["weather_data"]
    stations = np.unique(weather.columns["station_id"])
    assert len(weather) == 24 * 60 * stations.size
    prev, nxt = consecutive(weather, "station_id")
    t = times_s(weather)
    assert np.all(t[nxt] - t[prev] == WEATHER_INTERVAL_MS / 1000)
    c = weather.columns
    steps = {
        "temperature_c": 0.1,
        "wind_speed_kmh": 0.6,
        "humidity_pct": 1,
        "aqi": 1.0,
        "precipitation_mm": 0.1,
    }
    for name, limit in steps.items():
        assert np.abs(c[name][nxt] - c[name][prev]).max() <= limit, name
    # ...yet it is weather: a daily temperature range, and more than one condition
    for station in stations:
        temps = c["temperature_c"][c["station_id"] == station]
        assert 3.0 < temps.max() - temps.min() < 25.0
    assert len(np.unique(c["condition"])) >= 2
    # stations of one city agree within a few degrees at the same time
    by_time = c["temperature_c"].reshape(-1, stations.size)  # time-major, stations in order
    assert np.all(c["ts"].reshape(-1, stations.size) == c["ts"][:: stations.size, None])
    assert np.ptp(by_time, axis=1).max() < 3.0


def test_incidents_go_reported_active_resolved(long_window: dict[str, EventBatch]) -> None:
    emergency = long_window["emergency_data"]
    c = emergency.columns
    t = times_s(emergency)
    complete = 0
    for incident in np.unique(c["incident_id"]):
        rows = np.flatnonzero(c["incident_id"] == incident)
        rows = rows[np.argsort(t[rows])]
        statuses = [s.decode() for s in c["status"][rows]]
        assert np.all(np.diff(t[rows]) > 0)
        # the lifecycle in order; a window may cut an incident's start or end off
        rank = [{"Reported": 0, "Active": 1, "Resolved": 2}[s] for s in statuses]
        assert (
            rank == sorted(rank)
            and statuses.count("Reported") <= 1
            and statuses.count("Resolved") <= 1
        )
        for field in (
            "incident_type",
            "severity",
            "latitude",
            "longitude",
            "description",
            "vehicle_id",
        ):
            assert len(set(c[field][rows].tolist())) == 1, field
        if statuses[0] == "Reported" and statuses[-1] == "Resolved":
            complete += 1
            assert statuses[1] == "Active"
            active = t[rows][1:-1]
            assert np.all(np.diff(active) == INCIDENT_UPDATE_MS / 1000)  # periodic updates
            assert t[rows][-1] - active[-1] <= INCIDENT_UPDATE_MS / 1000
    assert complete >= 10
    assert len(np.unique(c["incident_type"])) >= 3


def test_incident_ids_are_stable_across_windows() -> None:
    whole = generate("city", SEED, START, 4 * 3600, vehicles=3, tick_seconds=60)["emergency_data"]
    halves = [
        generate("city", SEED, START, 2 * 3600, vehicles=3, tick_seconds=60)["emergency_data"],
        generate("city", SEED, START.replace(hour=12), 2 * 3600, vehicles=3, tick_seconds=60)[
            "emergency_data"
        ],
    ]
    joined = np.concatenate([h.columns["incident_id"] for h in halves])
    assert np.array_equal(joined, whole.columns["incident_id"])
    straddling = set(halves[0].columns["incident_id"].tolist()) & set(
        halves[1].columns["incident_id"].tolist()
    )
    assert straddling, "no incident spans the two windows"
