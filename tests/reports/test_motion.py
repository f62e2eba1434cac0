"""Trips and stops on hand-built tracks (Traccar's defaults: 200 m, 180 s, 3600 s)."""

from __future__ import annotations

import numpy as np

from tests.reports.tracks import TrackBuilder, epoch
from vts.reports.filter import filter_fixes
from vts.reports.motion import detect
from vts.rules.params import DEFAULT_PARAMS as P

T0 = epoch("2024-03-05T08:00:00")


def test_a_traffic_light_halt_is_part_of_the_trip_and_parking_is_a_stop() -> None:
    # a stop starts at the fix where the vehicle arrived (940 s), ends at its last still fix
    b = TrackBuilder(T0).park(600).drive(200, 36).park(40).drive(100, 36).park(1200)
    tr = b.track()
    m = detect(tr, P)
    assert [(tr.t[s.first] - T0, tr.t[s.last] - T0) for s in m.stops] == [(0, 600), (940, 2140)]
    assert len(m.trips) == 1
    trip = m.trips[0]
    assert (tr.t[trip.first] - T0, tr.t[trip.last] - T0) == (600, 940)
    assert abs(tr.hops_m()[trip.first : trip.last].sum() - 3000) < 1
    assert not m.stops[-1].complete  # still parked at the track's end


def test_a_long_halt_splits_the_trip() -> None:
    tr = TrackBuilder(T0).drive(300, 50).park(300).drive(300, 50).track()
    m = detect(tr, P)
    assert len(m.stops) == 1 and len(m.trips) == 2
    assert m.trips[0].first == 0 and not m.trips[1].complete


def test_creeping_within_min_distance_is_still_one_stop() -> None:
    tr = TrackBuilder(T0).drive(300, 50).park(120).drive(10, 18).park(120).drive(300, 50).track()
    m = detect(tr, P)
    assert len(m.stops) == 1
    s = m.stops[0]
    assert tr.t[s.last] - tr.t[s.first] == 250  # arrived at 300 s, last still fix at 550 s


def test_a_gap_longer_than_the_stop_gap_while_parked_is_one_stop() -> None:
    tr = TrackBuilder(T0).drive(300, 50).park(60).silence(2 * 3600).park(60).drive(300, 50).track()
    m = detect(tr, P)
    assert len(m.stops) == 1
    s = m.stops[0]
    assert (tr.t[s.first] - T0, tr.t[s.last] - T0) == (300, 300 + 60 + 7200 + 60)
    assert len(m.trips) == 2


def test_a_gap_covered_by_driving_is_a_trip_of_its_own() -> None:
    b = TrackBuilder(T0).park(600).drive(300, 50).silence(2 * 3600, then_east_m=40_000)
    tr = b.park(600).track()
    m = detect(tr, P)
    gap_start = T0 + 900
    trips = [(tr.t[s.first], tr.t[s.last]) for s in m.trips]
    assert (gap_start, gap_start + 7200) in trips
    assert (T0 + 600, gap_start) in trips  # the trip before the gap ends where the gap starts
    assert len(m.stops) == 2


def test_a_gap_just_under_the_stop_gap_does_not_split_a_trip() -> None:
    tr = TrackBuilder(T0).drive(300, 50).silence(3000, then_east_m=30_000).drive(300, 50).track()
    m = detect(tr, P)
    assert m.stops == [] and len(m.trips) == 1


def test_duplicates_change_nothing() -> None:
    tr = TrackBuilder(T0).park(600).drive(300, 40).park(600).track()
    dup = np.sort(np.concatenate([np.arange(len(tr)), np.arange(0, len(tr), 7)]), kind="stable")
    f = filter_fixes(tr.take(dup), P, now_s=T0 + 86400)
    assert f.rejected() == {"duplicate": len(range(0, len(tr), 7))}
    np.testing.assert_array_equal(f.track.t, tr.t)
    assert detect(f.track, P) == detect(tr, P)
