"""The fix filter: each rule, counted by reason; a GPS jump takes no good fix with it."""

from __future__ import annotations

import numpy as np

from tests.reports.tracks import TrackBuilder, epoch
from vts.reports.filter import filter_fixes
from vts.reports.motion import detect
from vts.rules.params import DEFAULT_PARAMS as P
from vts.rules.params import ReportParams

T0 = epoch("2024-03-05T08:00:00")


def _with(tr, i, lat, lon):  # type: ignore[no-untyped-def]
    la, lo = tr.lat.copy(), tr.lon.copy()
    la[i], lo[i] = lat, lon
    return type(tr)(
        tr.vehicle_id,
        tr.t,
        la,
        lo,
        tr.speed_kmh,
        tr.heading_deg,
        tr.odometer_km,
        tr.fuel_pct,
        tr.hdop,
    )


def test_a_gps_jump_is_rejected_and_the_trip_keeps_its_distance() -> None:
    tr = TrackBuilder(T0).park(600).drive(600, 50).park(600).track()
    jumped = _with(tr, 70, tr.lat[70] + 0.05, tr.lon[70])  # ~5.5 km north for one fix
    f = filter_fixes(jumped, P, now_s=T0 + 86400)
    assert f.rejected() == {"jump": 1}
    m = detect(f.track, P)
    assert len(m.trips) == 1
    trip = m.trips[0]
    assert abs(f.track.hops_m()[trip.first : trip.last].sum() - 600 / 3.6 * 50) < 60


def test_a_jump_on_the_first_fix_is_found_from_the_fixes_after_it() -> None:
    tr = TrackBuilder(T0).drive(300, 40).track()
    f = filter_fixes(_with(tr, 0, tr.lat[0] + 0.1, tr.lon[0]), P, now_s=T0 + 86400)
    assert f.rejected() == {"jump": 1}
    assert f.track.t[0] == tr.t[1]


def test_invalid_zero_future_and_inaccurate_fixes_are_counted() -> None:
    tr = TrackBuilder(T0).drive(300, 40).track()
    bad = _with(_with(_with(tr, 3, np.nan, 1.0), 5, 0.0, 0.0), 7, 95.0, 0.0)
    hdop = bad.hdop.copy()
    hdop[10] = 12.0
    bad = type(bad)(
        bad.vehicle_id,
        bad.t,
        bad.lat,
        bad.lon,
        bad.speed_kmh,
        bad.heading_deg,
        bad.odometer_km,
        bad.fuel_pct,
        hdop,
    )
    params = ReportParams(filter_max_hdop=5.0)
    f = filter_fixes(bad, params, now_s=float(tr.t[-3]) - params.filter_future_s)
    assert f.rejected() == {"invalid": 2, "zero": 1, "accuracy": 1, "future": 2}
    assert len(f.track) == len(tr) - 6
