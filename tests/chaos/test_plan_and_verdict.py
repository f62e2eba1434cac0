"""The chaos harness's own logic, without services: seeded plans, the verdict's counts."""

from __future__ import annotations

from collections import Counter

from vts.chaos.lake import LakeView
from vts.chaos.plan import KILL_JOB, LATE_REPLAY, RESTART_BROKER, make_plan
from vts.chaos.verdict import judge
from vts.chaos.windows import Workload


def test_a_seed_gives_the_same_plan_and_another_seed_another() -> None:
    args = {"duration_s": 100.0, "kills": 5, "broker_restarts": 1, "late_replays": 3}
    first, again, other = (make_plan(seed=s, **args) for s in (7, 7, 8))
    assert first == again != other
    assert Counter(f.kind for f in first) == {KILL_JOB: 5, RESTART_BROKER: 1, LATE_REPLAY: 3}
    assert [f.at_s for f in first] == sorted(f.at_s for f in first)
    assert all(15.0 <= f.at_s <= 85.0 for f in first)


def test_the_workload_is_sized_to_the_rate() -> None:
    workload = Workload.sized(events=200_000, rate=2_000, window_seconds=10, seed=1)
    assert (workload.vehicles, workload.windows) == (100, 100)
    assert workload.event(3) == {
        "shard": 0,
        "window_start": "2024-03-01T08:00:30Z",
        "window_seconds": 10,
    }


def test_the_verdict_counts_what_a_reader_would_get_wrong() -> None:
    truth = {"vehicle_data": {"a", "b", "c"}, "gps_data": {"x"}}
    view = LakeView(
        ids={"vehicle_data": Counter({"a": 1, "b": 3, "z": 1}), "gps_data": Counter({"x": 1})},
        quarantined=Counter({"gps_data": 2}),
        files=["vehicle_data/dt=2024-03-01/hr=08/b1.parquet", "gps_data/f.parquet"],
        orphans=["gps_data/f.parquet"],
    )
    verdict = judge(truth, view)
    vehicle = next(t for t in verdict.tables if t.table == "vehicle_data")
    assert (vehicle.lost, vehicle.duplicated, vehicle.unexpected, vehicle.rows) == (1, 2, 1, 5)
    assert verdict.total("quarantined") == 2 and len(verdict.orphans) == 1
    assert not verdict.ok
    assert verdict.summary().startswith("lost=1 duplicated=2 orphans=1 quarantined=2")
    clean = judge(truth, LakeView(ids={t: Counter(ids) for t, ids in truth.items()}))
    assert clean.ok and clean.as_dict()["expected"] == 4
