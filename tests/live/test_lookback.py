"""The ``near_incident`` look-back without a server: an incident learnt after any number of
a vehicle's fixes, looked back on over its fix trail (encoded as the store keeps it), then
stepped on, gives the reports' episodes (``fold`` with the incident known throughout)."""

from __future__ import annotations

import numpy as np
import pytest

from vts.live.lookback import fix_members, look_back, trail_track
from vts.rules.fold import RuleContext, fold, latest, step
from vts.rules.params import ReportParams
from vts.rules.places import Incident
from vts.rules.track import Track

P = ReportParams()
T0 = 1_709_280_000.123457  # not whole seconds: the trail's encoding must keep the times


def _track() -> Track:
    """Through the incident's radius twice (out and back), with a wobble in longitude."""
    n = 60
    t = T0 + 7.0 * np.arange(n)
    leg = np.r_[np.arange(30), 29 - np.arange(30)]
    lat = 52.0 + (leg - 14.5) * 8e-4 + np.sin(np.arange(n)) * 1e-5
    lon = 13.0 + np.cos(np.arange(n)) * 3e-4
    unknown = np.full(n, np.nan)
    return Track("V", t, lat, lon, np.full(n, 45.0), *[unknown] * 4)


INCIDENT = Incident("I", "Fire", 52.0, 13.0, T0 + 20.0, T0 + 330.0)


@pytest.mark.parametrize("known_after", [0, 1, 5, 12, 17, 29, 40, 47, 59, 60])
def test_an_incident_learnt_late_gives_the_reports_episodes(known_after: int) -> None:
    track = _track()
    before = RuleContext(P)
    after = RuleContext(P, incidents=(INCIDENT,))
    state, found = step(track.take(np.arange(known_after)), {}, before)
    found = [e for e in found if e.alert == "near_incident"]
    assert found == []  # not known yet
    trail = trail_track("V", fix_members(track.take(np.arange(known_after)))[1::2])
    state, looked = look_back(trail, state, [INCIDENT], P)
    state, stepped = step(track.take(np.arange(known_after, len(track))), state, after)
    live = latest(e for e in looked + stepped if e.alert == "near_incident")
    reports = [e for e in fold(track, after) if e.alert == "near_incident"]
    assert len(reports) == 2  # the test's premise: two passes while it is active
    assert live == reports


def test_the_trail_keeps_each_fix_exactly() -> None:
    track = _track()
    again = trail_track("V", fix_members(track)[1::2])  # the members, not the scores
    assert again.t.tolist() == track.t.tolist()
    assert again.lat.tolist() == track.lat.tolist() and again.lon.tolist() == track.lon.tolist()
