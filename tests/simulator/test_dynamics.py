"""The driving model: bounded acceleration, weather, incidents, fuel, days that fit and vary."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from simulator import EventBatch, generate
from simulator.model import dynamics, fleet, segments, timeline
from simulator.model.days import walk_without_incidents
from simulator.model.fleet import ACCEL, VEHICLE_TYPES
from simulator.model.incidents import Incidents
from simulator.model.scenario import load
from simulator.model.weather import HEAVY_MM, RAIN_SLOWDOWN, SNOW_SLOWDOWN, readings, speed_factor
from tests.simulator.conftest import HOUR_START, SEED, START, TruthSpan
from tests.simulator.helpers import times_s

# the largest normal acceleration / braking of each vehicle type (m/s^2)
BOUND = {t: max(ACCEL[t][1], ACCEL[t][3]) for t in VEHICLE_TYPES}
SPEED_ROUNDING_MS = 0.01 / 3.6


def _by_vehicle(batch: EventBatch) -> dict[str, tuple[np.ndarray, np.ndarray, bytes]]:
    c = batch.columns
    t = times_s(batch)
    out = {}
    for vid in np.unique(c["vehicle_id"]):
        rows = np.flatnonzero(c["vehicle_id"] == vid)
        rows = rows[np.argsort(t[rows])]
        out[vid.decode()] = (t[rows], c["speed_kmh"][rows] / 3.6, c["vehicle_type"][rows[0]])
    return out


def test_acceleration_stays_in_bounds_except_in_harsh_episodes(hour: TruthSpan) -> None:
    harsh = hour.truth["harsh"]
    assert {h["kind"] for h in harsh} == {"harsh_braking", "harsh_acceleration"}
    checked = over = 0
    for vid, (t, v, vtype) in _by_vehicle(hour.events["vehicle_data"]).items():
        dv = np.diff(v) / np.diff(t)
        # the speeds of fixes t-1 and t are means over (t-2, t-1] and (t-1, t]
        lo, hi = t[1:] - 2.0, t[1:]
        in_harsh = np.zeros(dv.size, dtype=bool)
        for h in (h for h in harsh if h["vehicle_id"] == vid):
            in_harsh |= (lo < h["end_us"] / 1e6) & (hi > h["start_us"] / 1e6)
        bound = BOUND[vtype.decode()] + 2 * SPEED_ROUNDING_MS
        assert np.all(np.abs(dv[~in_harsh]) <= bound), vid
        checked += int((~in_harsh).sum())
        over += int((np.abs(dv[in_harsh]) > bound).sum())
    assert checked > 50_000
    assert over > 0, "harsh episodes never show beyond the normal bounds"


def test_harsh_episodes_exceed_the_normal_bounds(hour: TruthSpan) -> None:
    for h in hour.truth["harsh"]:
        vtype = hour.vehicle_type[h["vehicle_id"]]
        limit = ACCEL[vtype][3] if h["kind"] == "harsh_braking" else ACCEL[vtype][1]
        assert h["peak_ms2"] > limit
        faster = h["speed_from_kmh"] > h["speed_to_kmh"]
        assert faster == (h["kind"] == "harsh_braking")


def test_weather_lowers_speed_by_the_documented_amount() -> None:
    sc = load("city")
    t = np.arange(0, 40 * 86_400_000, 600_000)  # 40 days, every 10 minutes
    station = np.zeros(t.size, dtype=np.int64)
    w = readings(sc, SEED, station, t, 0)
    factor, precip, condition = speed_factor(sc, SEED, station, t, 0)
    heavy = precip >= HEAVY_MM
    assert np.all(factor[precip == 0] == 1.0)
    assert np.allclose(factor[heavy & (condition == b"Rain")], 1 - RAIN_SLOWDOWN)
    snow = condition == b"Snow"
    assert np.all(factor[snow] < 1.0) and np.all(w["temperature_c"][snow] < 0.5)
    assert np.allclose(factor[heavy & snow], 1 - SNOW_SLOWDOWN)
    assert heavy.any() and (condition == b"Rain").any()

    # the same legs driven in heavy rain: every cruise is 10 % slower, the legs take longer
    f = fleet.build("city", SEED, 40)
    wk = walk_without_incidents(f, 60)
    legs = np.arange(wk.legs.row.size)
    lg = wk.legs
    driven = segments.Legs(
        vehicle=lg.row,
        start_node=lg.start_node,
        end_node=lg.end_node,
        hfirst=lg.hfirst,
        code=60 * 1024 + lg.number,
    )
    ones = np.ones(legs.size)

    def drive(weather_factor: np.ndarray) -> dynamics.Items:
        at = dynamics.Conditions(
            start_us=wk.leg_start_us,
            weather_factor=weather_factor,
            rush_hour_factor=ones,
            incidents=Incidents.none(),
        )
        return dynamics.leg_items(load("city"), SEED, f.driving, driven, at)

    dry = drive(ones)
    wet = drive(ones * (1 - RAIN_SLOWDOWN))
    cruising = ~dry.halt & (dry.cruise_m > 1.0) & (wet.cruise_m > 1.0)
    assert cruising.sum() > 1000
    assert np.allclose(
        wet.speed_peak_mps[cruising] / dry.speed_peak_mps[cruising], 1 - RAIN_SLOWDOWN
    )
    assert np.all(wet.leg_drive_us >= dry.leg_drive_us)
    moving = dry.leg_drive_us > 0
    ratio = dry.leg_drive_us[moving].sum() / wet.leg_drive_us[moving].sum()
    assert 1 - RAIN_SLOWDOWN - 0.02 < ratio < 1.0


def test_an_incident_slows_vehicles_on_its_segment() -> None:
    sc = load("city")
    f = fleet.build("city", SEED, 40)
    wk = walk_without_incidents(f, 60)
    lg = wk.legs
    legs = np.flatnonzero(lg.mm > 2_000_000)[:50]
    driven = segments.Legs(
        vehicle=lg.row[legs],
        start_node=lg.start_node[legs],
        end_node=lg.end_node[legs],
        hfirst=lg.hfirst[legs],
        code=60 * 1024 + lg.number[legs],
    )

    def drive(incidents: Incidents) -> dynamics.Items:
        at = dynamics.Conditions(
            start_us=wk.leg_start_us[legs],
            weather_factor=wk.leg_cond[legs],
            rush_hour_factor=wk.leg_rush[legs],
            incidents=incidents,
        )
        return dynamics.leg_items(sc, SEED, f.driving, driven, at)

    free = drive(Incidents.none())
    # an incident active all day on the third segment of every leg, keeping 45 % of the speed
    third = np.flatnonzero(
        ~free.halt & (np.arange(free.leg.size) - np.searchsorted(free.leg, free.leg) == 4)
    )
    edges = np.unique(free.edge[third])
    day = 60 * 86_400_000_000
    size = edges.size
    inc = Incidents.of(
        edges,
        np.full(size, day),
        np.full(size, day + 86_400_000_000),
        np.full(size, 0.45),
        np.array([b"x"] * size, dtype="S36"),
    )
    slowed = drive(inc)
    hit = slowed.incident >= 0
    assert hit.sum() >= third.size and np.all(np.isin(slowed.edge[hit], edges))
    assert np.all(slowed.speed_peak_mps[hit] < free.speed_peak_mps[hit])
    cruising = hit & (slowed.cruise_m > 1.0) & (free.cruise_m > 1.0)
    assert cruising.any()
    assert np.allclose(slowed.speed_peak_mps[cruising] / free.speed_peak_mps[cruising], 0.45)
    assert np.all(slowed.dur_us[hit] > free.dur_us[hit])
    assert np.all(slowed.leg_drive_us > free.leg_drive_us)


def test_incidents_slow_traffic_on_their_segment_only_while_active(hour: TruthSpan) -> None:
    incidents = {i["incident_id"]: i for i in hour.truth["incidents"]}
    effects = hour.truth["incident_effects"]
    assert effects, "no vehicle met an incident in the hour"
    for e in effects:
        i = incidents.get(e["incident_id"])
        if i is None:  # an incident of another shard's slot (it slows everyone)
            continue
        assert e["road_id"] == i["road_id"]
        assert i["active_us"] <= e["start_us"] < i["resolved_us"]
        speeding = segments.SPEEDING[1]
        assert e["peak_kmh"] < e["speed_limit_kmh"] * speeding * e["speed_factor"] + 0.01


def test_reporters_are_at_their_incident(hour: TruthSpan) -> None:
    """An incident is where its reporter's fix is at the report time; the truth says by how
    far a reporter that an earlier incident held up missed it."""
    checked = at_spot = 0
    for i in hour.truth["incidents"]:
        track = hour.track(i["reporter_vehicle_id"])
        if track is None or not (track[0][0] <= i["reported_us"] / 1e6 <= track[0][-1]):
            continue
        k = int(np.argmin(np.abs(track[0] - i["reported_us"] / 1e6)))
        d = np.hypot(
            (track[1][k] - i["latitude"]) * 111_195.0,
            (track[2][k] - i["longitude"]) * 111_195.0 * 0.62,
        )
        # within what the reporter drives in half a tick, plus what the truth says it missed by
        assert d <= i["reporter_distance_m"] + 15.0, i
        checked += 1
        at_spot += i["reporter_distance_m"] < 1.0
    assert checked >= 5 and at_spot >= 0.8 * checked


def test_fuel_never_runs_out_and_every_refuel_is_a_station_dwell() -> None:
    from simulator.outputs.truth import truth

    month = generate("city", SEED, START, 30 * 86_400, vehicles=6, tick_seconds=300)
    fuel = month["vehicle_data"].columns["fuel_level_pct"]
    assert fuel.min() > 0.0
    t = truth("city", SEED, START, 30 * 86_400, vehicles=6, tick_seconds=300)
    assert t["refuels"], "nobody refuelled in a month"
    stations = set(load("city").fuel_node.tolist())
    dwells = {(d["vehicle_id"], d["start_us"]): d for d in t["dwells"]}
    for r in t["refuels"]:
        d = dwells[(r["vehicle_id"], r["start_us"])]
        assert d["kind"] == "station" and d["node"] in stations and d["end_us"] == r["end_us"]
        assert 0.0 < r["fuel_before_pct"] <= 30.0 and r["fuel_after_pct"] > 99.9
        assert d["duration_s"] >= 240.0


def test_a_day_ends_before_the_next_begins_and_days_vary() -> None:
    f = fleet.build("city", SEED, 150)
    v = np.arange(len(f))
    places_by_day = []
    for day in range(60, 88):
        w = walk_without_incidents(f, day)
        lg = w.legs
        end = w.leg_arrive_us[lg.first + lg.count - 1]
        nxt = timeline.day_start_us(f, v, np.full(v.size, day + 1))
        assert np.all(end < nxt), day
        assert np.all(lg.end_node[lg.first + lg.count - 1] == f.home)  # back home
        places_by_day.append([tuple(lg.end_node[lg.row == i]) for i in range(5)])
    for i in range(5):  # each vehicle's days differ from the day before
        days = [d[i] for d in places_by_day]
        assert sum(a != b for a, b in zip(days, days[1:], strict=False)) >= len(days) - 2


def test_rush_hour_slows_arterials_on_weekdays() -> None:
    friday_8 = np.array([(60 * 24 + 8.25) * 3.6e9], dtype=np.int64)  # 2024-03-01 08:15
    saturday_8 = friday_8 + 86_400_000_000
    noon = friday_8 + int(4 * 3.6e9)
    weekday = load("city").spec.epoch.weekday()
    assert dynamics.rush_factor(friday_8, weekday)[0] == pytest.approx(
        1 - dynamics.RUSH_SLOWDOWN, abs=0.01
    )
    assert dynamics.rush_factor(saturday_8, weekday)[0] == 1.0
    assert dynamics.rush_factor(noon, weekday)[0] > 0.95


def test_gps_outages_drop_only_gps_fixes(hour: TruthSpan) -> None:
    outages = hour.truth["gps_outages"]
    assert outages, "no GPS outage in the hour"
    gps, vehicle = hour.events["gps_data"], hour.events["vehicle_data"]
    assert len(gps) < len(vehicle)
    for o in outages:
        g = hour.gps_times(o["vehicle_id"])
        lo, hi = o["first_missing_fix_us"] / 1e6, o["last_missing_fix_us"] / 1e6
        assert not np.any((g >= lo) & (g <= hi))
        assert (g < lo).any() or lo <= HOUR_START.timestamp()
        v = hour.track(o["vehicle_id"])
        assert v is not None and np.any((v[0] >= lo) & (v[0] <= hi))  # telemetry goes on


def test_shards_drive_exactly_like_the_whole_fleet() -> None:
    whole = generate("city", SEED, START + timedelta(hours=7), 120, vehicles=30)
    part = generate(
        "city", SEED, START + timedelta(hours=7), 120, vehicles=30, shard=1, shard_count=4
    )
    mine = set(part["vehicle_data"].to_json_lines())
    assert mine and mine <= set(whole["vehicle_data"].to_json_lines())


def test_the_epoch_and_an_empty_shard_are_fine() -> None:
    from datetime import UTC, datetime

    from simulator.outputs.truth import truth

    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    first = generate("city", SEED, epoch, 30, vehicles=40)["vehicle_data"].columns
    assert first["odometer_km"].min() > 0 and first["fuel_level_pct"].min() > 0
    empty = generate("city", SEED, epoch, 30, vehicles=2, shard=2, shard_count=3)
    assert len(empty["vehicle_data"]) == 0 and len(empty["traffic_data"]) == 0
    tables = truth("city", SEED, epoch, 30, vehicles=2, shard=2, shard_count=3)
    assert tables["dwells"] == [] and tables["overspeed"] == []
