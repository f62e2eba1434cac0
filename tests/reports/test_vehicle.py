"""A vehicle's day: midnight crossing, alerts against a road, geofence visits with dwell."""

from __future__ import annotations

from typing import Any

from tests.reports.tracks import LAT0, LON0, TrackBuilder, epoch
from vts.geo import offset
from vts.reference.geofences import from_geojson
from vts.reference.roadmatch import RoadIndex
from vts.reports.tables import ALERTS, GEOFENCE_EVENTS, STOPS, SUMMARY, TRIPS
from vts.reports.vehicle import Context, Window, vehicle_reports
from vts.rules.params import DEFAULT_PARAMS as P

DAY = epoch("2024-03-05T00:00:00")
WINDOW = Window(DAY, DAY + 86400, now=DAY + 2 * 86400)


def _road(limit: float) -> RoadIndex:
    _, lon1 = offset(LAT0, LON0, 0.0, 50_000.0)
    row = {
        "road_id": "R-1",
        "speed_limit_kmh": limit,
        "start_lat": LAT0,
        "start_lon": LON0,
        "end_lat": LAT0,
        "end_lon": float(lon1),
    }
    return RoadIndex.build([row], radius_m=30.0)


def _fence(east0: float, east1: float, **props: Any) -> dict[str, Any]:
    la0, lo0 = offset(LAT0 - 0.001, LON0, 0.0, east0)
    la1, lo1 = offset(LAT0 + 0.001, LON0, 0.0, east1)
    ring = [
        [float(lo0), float(la0)],
        [float(lo1), float(la0)],
        [float(lo1), float(la1)],
        [float(lo0), float(la1)],
        [float(lo0), float(la0)],
    ]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _ctx(**kw: Any) -> Context:
    return Context(WINDOW, P, kw.get("roads"), kw.get("fences", ()))


def test_a_trip_across_midnight_is_reported_whole_on_the_day_it_ends() -> None:
    b = TrackBuilder(DAY - 3600).park(2400).drive(1800, 40).park(1800)  # 23:40 .. 00:10, stop
    rows = vehicle_reports(b.track(), _ctx())
    (trip,) = rows[TRIPS.name]
    assert (trip["trip_start"], trip["trip_end"]) == (DAY - 1200, DAY + 600)
    assert abs(trip["distance_km"] - 20.0) < 0.02
    assert trip["complete"]
    (stop,) = rows[STOPS.name]  # the stop before midnight ended the day before: not today's
    assert stop["stop_start"] == DAY + 600 and not stop["complete"]
    (summary,) = rows[SUMMARY.name]
    assert abs(summary["distance_km"] - 600 / 3.6 * 40 / 1000) < 0.02  # today's part only
    assert summary["trips"] == 1


def test_a_trip_that_ends_before_midnight_is_yesterdays() -> None:
    b = TrackBuilder(DAY - 3600).park(600).drive(600, 40).park(4000)
    rows = vehicle_reports(b.track(), _ctx())
    assert rows[TRIPS.name] == []
    assert [s["stop_start"] for s in rows[STOPS.name]] == [DAY - 3600 + 1200]


def test_overspeed_needs_the_minimal_duration_and_names_the_road() -> None:
    b = TrackBuilder(DAY + 3600).park(300).drive(60, 45).drive(10, 62).drive(60, 45)
    b.drive(40, 61).drive(60, 45).park(300)  # one fix over the limit (10 s), then four (40 s)
    rows = vehicle_reports(b.track(), _ctx(roads=_road(50.0)))
    over = [a for a in rows[ALERTS.name] if a["alert"] == "overspeed"]
    assert len(over) == 1
    assert over[0]["end_ts"] - over[0]["start_ts"] == 40
    assert (over[0]["value"], over[0]["threshold"], over[0]["road_id"]) == (61, 50, "R-1")
    assert rows[SUMMARY.name][0]["overspeed_count"] == 1


def test_harsh_braking_is_seen_at_one_fix_a_second() -> None:
    b = TrackBuilder(DAY + 3600, tick=1.0).park(300)
    for kmh in range(5, 55, 5):  # pulls away at 1.4 m/s^2
        b.drive(1, kmh)
    b.drive(60, 50)
    for kmh in (36, 22, 8, 0):  # -14 km/h a second: 3.9 m/s^2
        b.drive(1, kmh)
    b.park(300)
    rows = vehicle_reports(b.track(), _ctx())
    (alert,) = [a for a in rows[ALERTS.name] if a["alert"].startswith("harsh")]
    assert alert["alert"] == "harsh_braking"
    assert abs(alert["value"] - 14 / 3.6) < 1e-6


def test_low_fuel_fires_once_per_crossing() -> None:
    b = TrackBuilder(DAY + 3600)
    b.fuel = 14.2  # 0.1 % per km, ~1 km to go below 14.0... already below 15 at the start
    rows = vehicle_reports(b.park(300).drive(600, 30).park(300).track(), _ctx())
    low = [a for a in rows[ALERTS.name] if a["alert"] == "low_fuel"]
    assert len(low) == 1 and low[0]["start_ts"] == DAY + 3600


def test_silence_during_a_trip_is_alerted_but_not_while_parked() -> None:
    b = TrackBuilder(DAY + 3600).park(300).drive(300, 40).silence(900, then_east_m=6000)
    b.drive(300, 40).park(300).silence(2000).park(300)
    rows = vehicle_reports(b.track(), _ctx())
    silent = [a for a in rows[ALERTS.name] if a["alert"] == "silent"]
    assert [(a["start_ts"] - DAY - 3600, a["value"]) for a in silent] == [(600, 900)]


def test_geofence_visit_with_dwell_and_no_event_for_a_drive_by() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            _fence(1050, 1450, id="depot", name="Depot", kind="depot"),
            _fence(3050, 3250, id="school", name="School", kind="school_zone"),
        ],
    }
    b = TrackBuilder(DAY + 3600).drive(120, 36)  # 10 m/s: into the depot (1200 m)
    b.park(600).drive(300, 36).park(300)  # leaves; 200 m of school zone at 10 m/s: 20 s
    rows = vehicle_reports(b.track(), _ctx(fences=from_geojson(doc)))
    visits = rows[GEOFENCE_EVENTS.name]
    assert [v["geofence_id"] for v in visits] == ["depot"]
    (v,) = visits
    assert v["enter_ts"] - DAY - 3600 == 110  # first fix inside (1100 m)
    assert v["exit_ts"] - DAY - 3600 == 120 + 600 + 30  # first fix outside (1500 m)
    (stop,) = [s for s in rows[STOPS.name] if s["complete"]]
    assert (stop["place"], stop["place_kind"]) == ("Depot", "depot")
