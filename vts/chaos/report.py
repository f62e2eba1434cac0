"""A chaos run's report: the lake read against the simulator's ground truth
(``vts.chaos.verdict``), with the live path, its alerts against the reports' rules and its
states against the lake's newest fixes (``vts.chaos.live_verdict``); and what the run did
(the plan, each fault's outcome, the job's and the producer's starts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vts.chaos.faults import Faults
from vts.chaos.lake import newest_fixes, read_lake
from vts.chaos.live import expected_alerts
from vts.chaos.live_verdict import judge_alerts, judge_states
from vts.chaos.rig import Rig
from vts.chaos.verdict import Verdict, judge
from vts.chaos.windows import ground_truth


@dataclass
class ChaosReport:
    options: dict[str, Any]
    workload: dict[str, Any]
    plan: list[dict[str, Any]]
    faults: list[dict[str, Any]]
    job: dict[str, Any]
    producer: dict[str, Any]
    verdict: Verdict
    backend: str
    workdir: str
    wall_s: float
    live: dict[str, Any] | None = None  # the live path's verdict (``vts.chaos.live_verdict``)

    @property
    def ok(self) -> bool:
        return self.verdict.ok and (self.live is None or bool(self.live["ok"]))

    def summary(self) -> str:
        if self.live is None:
            return self.verdict.summary()
        return f"{self.verdict.summary()}; {self.live['summary']}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "summary": self.summary(),
            "backend": self.backend,
            "wall_s": round(self.wall_s, 1),
            "options": self.options,
            "workload": self.workload,
            "plan": self.plan,
            "faults": self.faults,
            "job": self.job,
            "producer": self.producer,
            "verdict": self.verdict.as_dict(),
            "live": self.live,
            "workdir": self.workdir,
        }


def report(rig: Rig, faults: Faults, wall_s: float) -> ChaosReport:
    """Judge the lake (and the live store) the run left behind, once it is caught up."""
    rig.progress.read()
    with rig.aws.as_environment():
        view = read_lake(rig.lake, rig.quarantine, rig.checkpoint)
    workload = rig.workload
    verdict = judge(ground_truth(workload, range(workload.windows)), view)
    return ChaosReport(
        options={k: (str(v) if isinstance(v, Path) else v) for k, v in rig.o.__dict__.items()},
        workload=workload.as_dict(),
        plan=[f.as_dict() for f in faults.plan],
        faults=faults.outcomes,
        job={"starts": rig.job.starts + 1, "exits_by_itself": rig.job.exits},
        producer={
            "starts": rig.producer_starts,
            "windows_done": len(rig.progress.done),
            "failed_invocations": len(rig.progress.errors),
            "first_errors": rig.progress.errors[:5],
            "already_produced": rig.progress.already,
        },
        verdict=verdict,
        backend="s3 (moto server)" if rig.o.s3 else "local filesystem",
        workdir=str(rig.dir),
        wall_s=wall_s,
        live=_live_verdict(rig),
    )


def _live_verdict(rig: Rig) -> dict[str, Any] | None:
    if rig.live is None or rig.live_read is None or rig.live_runner is None:
        return None
    rows, states = rig.live_read
    expected = expected_alerts(rig.workload, range(rig.workload.windows), rig.live.reference)
    alerts = judge_alerts(expected, rows, tolerance_s=1.0)  # one fix interval
    with rig.aws.as_environment():
        lake_newest = newest_fixes(rig.lake)
    fixes = judge_states(lake_newest, states)
    return {
        "ok": alerts.ok and fixes.ok,
        "summary": f"{alerts.summary()}; {fixes.summary()}",
        "alerts": alerts.as_dict(),
        "states": fixes.as_dict(),
        "runner": {"starts": rig.live_runner.starts + 1, "groups": rig.live.group + 1},
        "reference": str(rig.live.reference),
        "alerts_read": rows,  # what /alerts served, as the verdict's rows
    }
