"""The live path's verdict (``vts.chaos.live_verdict``), without services: what a reader
of ``/alerts`` and ``/vehicles`` would count wrong, and nothing else."""

from __future__ import annotations

from collections import Counter

from vts.chaos.live_verdict import judge_alerts, judge_states
from vts.chaos.plan import KILL_JOB, KILL_LIVE, REPLAY_LIVE, make_plan


def _a(vehicle: str, alert: str, start: float, end: float | None, subject: str = "") -> dict:
    return {"vehicle_id": vehicle, "alert": alert, "subject": subject, "start": start, "end": end}


EXPECTED = [
    _a("V1", "overspeed", 100.0, 130.0),
    _a("V1", "overspeed", 300.0, 320.0),
    _a("V2", "geofence", 50.0, None, subject="GF-1"),
    _a("V2", "near_incident", 200.0, 260.0, subject="I-1"),
]


def test_the_same_alerts_pass_and_a_late_start_is_not_exact() -> None:
    live = [dict(e) for e in EXPECTED]
    live[3] = _a("V2", "near_incident", 230.0, 260.0, subject="I-1")  # an incident heard late
    verdict = judge_alerts(EXPECTED, live, tolerance_s=1.0)
    assert verdict.ok and verdict.exact == 3
    assert verdict.summary().startswith("alerts lost=0 duplicated=0 unexpected=0")


def test_a_planted_duplicate_a_lost_and_a_stray_alert_are_caught() -> None:
    live = [dict(e) for e in EXPECTED[1:]]  # the first overspeed never raised
    live.append(_a("V1", "overspeed", 305.0, 320.0))  # the second raised again, another start
    live.append(_a("V2", "geofence", 500.0, 510.0, subject="GF-2"))  # no such visit
    verdict = judge_alerts(EXPECTED, live, tolerance_s=1.0)
    assert (verdict.lost, verdict.duplicated, verdict.unexpected) == (1, 1, 1)
    assert not verdict.ok
    assert verdict.examples["lost"][0]["start"] == 100.0
    assert [a["start"] for a in verdict.examples["duplicated"][0]["alerts"]] == [300.0, 305.0]


def test_an_alert_of_another_vehicle_type_or_subject_is_not_the_episodes() -> None:
    for changed in ({"vehicle_id": "V9"}, {"alert": "harsh_braking"}, {"subject": "GF-9"}):
        live = [dict(e) for e in EXPECTED]
        live[2] = {**live[2], **changed}
        verdict = judge_alerts(EXPECTED, live, tolerance_s=1.0)
        assert (verdict.lost, verdict.unexpected) == (1, 1), changed


def test_live_states_must_be_the_lakes_newest_fix() -> None:
    lake = {"V1": (10, "e1"), "V2": (20, "e2"), "V3": (30, "e3")}
    assert judge_states(lake, dict(lake)).ok
    live = {"V1": (10, "e1"), "V2": (19, "e0"), "V4": (5, "e4")}  # V2 behind, V3 gone
    verdict = judge_states(lake, live)
    assert (verdict.stale, verdict.missing, verdict.unknown) == (1, 1, 1) and not verdict.ok
    assert verdict.examples == [{"vehicle_id": "V2", "lake": [20, "e2"], "live": [19, "e0"]}]


def test_the_live_faults_move_none_of_the_others() -> None:
    args = {"seed": 7, "duration_s": 100.0, "kills": 3, "late_replays": 1}
    plain = make_plan(**args)
    live = make_plan(**args, live_kills=2, live_replays=1)
    assert [f for f in live if f.kind not in (KILL_LIVE, REPLAY_LIVE)] == plain
    assert Counter(f.kind for f in live)[KILL_LIVE] == 2 and live.count(plain[0]) == 1
    assert Counter(f.kind for f in live)[REPLAY_LIVE] == 1
    assert sum(f.kind == KILL_JOB for f in live) == 3
