"""The reports against the simulator's ground truth (``simulator.outputs.truth``).

A simulated Tuesday of 200 vehicles in the city at one fix per 10 s, through the same
kernels the Spark job runs per vehicle, with Traccar's default parameters:

- stops: at least 95 % of the true dwells of ``min_duration_s`` or more are found with
  start and end within 60 s; every stop found is a true dwell, so no traffic-light halt
  (8-45 s) is ever one;
- overspeed: every true episode of the day with two or more fixes wholly above the limit
  (what one fix per 10 s can show for ``overspeed_min_duration_s`` = 15 s) is alerted,
  and every alert overlaps a true episode (within one fix interval).

An hour of the same fleet at one fix per second (harsh driving lasts 1-3 s: at 10 s a
harsh stop is indistinguishable from a normal one) for:

- harsh braking and acceleration: every true episode that spans two fix intervals (2 s:
  ``vehicle_data``'s speeds are means over a tick, so a shorter one is averaged with the
  driving around it and may read as normal) is alerted (same kind, overlapping it within
  1 s), at least 90 % of all are, and every alert is a true episode;
- geofences: enter and exit at one fix per 10 s are within one fix interval (10 s, plus
  the 1 s of the reference) of the same visit seen at one fix per second.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.outputs.reference import scenario_geofences
from simulator.outputs.truth import truth
from tests.reports.simulated import roads, tracks
from vts.reference.geofences import from_geojson
from vts.reports.tables import ALERTS, STOPS
from vts.reports.vehicle import Context, Window, vehicle_reports
from vts.rules.fold import RuleContext, fold
from vts.rules.params import DEFAULT_PARAMS as P

SCENARIO, SEED, VEHICLES = "city", 11, 200
DAY = datetime(2024, 3, 5, tzinfo=UTC)
HOUR = DAY + timedelta(hours=8)
TOLERANCE_S = 60.0


def _by_vehicle(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[r["vehicle_id"]].append(r)
    return out


def _overlaps(a0: float, a1: float, b0: float, b1: float, slack: float) -> bool:
    return a0 <= b1 + slack and b0 <= a1 + slack


def _same(alert: dict[str, Any], episode: dict[str, Any], slack: float) -> bool:
    """The alert is of the episode's kind and overlaps it within ``slack`` seconds."""
    kind = episode.get("kind", "overspeed")
    return alert["alert"] == kind and _overlaps(
        alert["start_ts"],
        alert["end_ts"],
        episode["start_us"] / 1e6,
        episode["end_us"] / 1e6,
        slack,
    )


def _reports(start: datetime, seconds: float, tick: float) -> dict[str, list[dict[str, Any]]]:
    t0 = start.timestamp()
    ctx = Context(
        Window(t0, t0 + seconds, now=t0 + 2 * 86400), P, roads(SCENARIO, P.road_max_distance_m), ()
    )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for tr in tracks(SCENARIO, SEED, start, seconds, VEHICLES, tick):
        for table, rows in vehicle_reports(tr, ctx).items():
            out[table].extend(rows)
    return out


@pytest.fixture(scope="module")
def day() -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    return _reports(DAY, 86400, 10.0), truth(
        SCENARIO, SEED, DAY, 86400, vehicles=VEHICLES, tick_seconds=10.0
    )


@pytest.fixture(scope="module")
def hour() -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    return _reports(HOUR, 3600, 1.0), truth(
        SCENARIO, SEED, HOUR, 3600, vehicles=VEHICLES, tick_seconds=1.0
    )


def test_true_stops_are_found_within_a_minute(day) -> None:  # type: ignore[no-untyped-def]
    found, true = day
    t0, t1 = DAY.timestamp(), DAY.timestamp() + 86400
    dwells = [
        d
        for d in true["dwells"]
        if d["duration_s"] >= P.min_duration_s
        and d["start_us"] / 1e6 >= t0
        and d["end_us"] / 1e6 < t1
    ]
    assert len(dwells) > 1000
    stops = _by_vehicle(found[STOPS.name])

    def found_it(d: dict[str, Any]) -> bool:
        return any(
            abs(s["stop_start"] - d["start_us"] / 1e6) <= TOLERANCE_S
            and abs(s["stop_end"] - d["end_us"] / 1e6) <= TOLERANCE_S
            for s in stops[d["vehicle_id"]]
        )

    hits = sum(found_it(d) for d in dwells)
    assert hits / len(dwells) >= 0.95, f"{hits} of {len(dwells)} true stops found"


def test_every_stop_is_a_true_dwell_never_a_light_halt(day) -> None:  # type: ignore[no-untyped-def]
    found, true = day
    dwells = _by_vehicle(true["dwells"])
    halts = _by_vehicle(true["halts"])
    assert sum(len(h) for h in halts.values()) > 5000
    for s in found[STOPS.name]:
        a, b = s["stop_start"], s["stop_end"]
        assert any(
            _overlaps(a, b, d["start_us"] / 1e6, d["end_us"] / 1e6, 0.0)
            for d in dwells[s["vehicle_id"]]
        ), s
        in_halt = [
            h
            for h in halts[s["vehicle_id"]]
            if h["start_us"] / 1e6 - 10 <= a and b <= h["end_us"] / 1e6 + 10
        ]
        assert not in_halt, (s, in_halt)


def test_overspeed_episodes_are_alerted_and_only_they(day) -> None:  # type: ignore[no-untyped-def]
    found, true = day
    alerts = _by_vehicle([a for a in found[ALERTS.name] if a["alert"] == "overspeed"])
    episodes = _by_vehicle(true["overspeed"])
    visible = [
        e
        for e in true["overspeed"]
        if e["first_fix_us"] is not None
        and e["last_fix_us"] - e["first_fix_us"] >= 10e6
        and e["start_us"] >= DAY.timestamp() * 1e6 + 10e6
    ]
    assert len(visible) > 500
    missed = [
        e
        for e in visible
        if not any(
            _overlaps(a["start_ts"], a["end_ts"], e["start_us"] / 1e6, e["end_us"] / 1e6, 10.0)
            for a in alerts[e["vehicle_id"]]
        )
    ]
    assert not missed, f"{len(missed)} of {len(visible)} episodes missed, e.g. {missed[:2]}"
    false = [
        a
        for v, al in alerts.items()
        for a in al
        if not any(
            _overlaps(a["start_ts"], a["end_ts"], e["start_us"] / 1e6, e["end_us"] / 1e6, 10.0)
            for e in episodes[v]
        )
    ]
    assert not false, f"{len(false)} alerts without an episode, e.g. {false[:2]}"


def test_harsh_episodes_are_alerted_and_only_they(hour) -> None:  # type: ignore[no-untyped-def]
    found, true = hour
    t0, t1 = HOUR.timestamp(), HOUR.timestamp() + 3600
    harsh = [a for a in found[ALERTS.name] if a["alert"].startswith("harsh")]
    episodes = [
        e for e in true["harsh"] if e["start_us"] / 1e6 >= t0 + 1 and e["end_us"] / 1e6 <= t1 - 1
    ]
    assert len(episodes) > 50
    by_alert = _by_vehicle(harsh)
    missed = [e for e in episodes if not any(_same(a, e, 1.0) for a in by_alert[e["vehicle_id"]])]
    whole = [e for e in missed if e["end_us"] - e["start_us"] >= 2e6]
    assert not whole, f"{len(whole)} harsh episodes of 2 s or more missed, e.g. {whole[:2]}"
    assert len(missed) <= 0.1 * len(episodes), f"{len(missed)} of {len(episodes)} missed"
    by_true = _by_vehicle(true["harsh"])
    false = [a for a in harsh if not any(_same(a, e, 1.0) for e in by_true[a["vehicle_id"]])]
    assert not false, f"{len(false)} harsh alerts without an episode, e.g. {false[:2]}"


def test_geofence_enter_and_exit_within_one_fix_interval() -> None:
    """Visits well past the dwell (by two fix intervals) are seen at both resolutions."""
    fences = from_geojson(scenario_geofences(SCENARIO))
    fine = {tr.vehicle_id: tr for tr in tracks(SCENARIO, SEED, HOUR, 3600, 60, 1.0)}
    long_enough = P.geofence_dwell_s + 20.0

    def seen(tr: Any) -> list[tuple[str, float, float]]:
        return [
            (v.subject, v.start_ts, v.end_ts)
            for v in fold(tr, RuleContext(P, fences=fences))
            if v.alert == "geofence" and v.ended and v.end_ts is not None and v.start_ts > tr.t[0]
        ]

    compared, end = 0, HOUR.timestamp() + 3600
    for coarse in tracks(SCENARIO, SEED, HOUR, 3600, 60, 10.0):
        ours, ref = seen(coarse), seen(fine[coarse.vehicle_id])
        for mine, other in ((ours, ref), (ref, ours)):
            for fid, enter, leave in mine:
                if leave - enter < long_enough or leave > end - long_enough:
                    continue  # near the dwell, or the span's end cuts the exit's dwell
                same = [
                    r
                    for r in other
                    if r[0] == fid and abs(r[1] - enter) <= 11 and abs(r[2] - leave) <= 11
                ]
                assert same, (
                    coarse.vehicle_id,
                    fid,
                    enter,
                    leave,
                    [r for r in other if r[0] == fid],
                )
                compared += 1
    assert compared > 50
