"""The faults of a run: kinds and moments drawn from one seed, so a run can be repeated
(the live path's kinds are drawn after the others: adding them moves no other fault).

plan = make_plan(seed=7, duration_s=100, kills=5, broker_restarts=1, late_replays=3)
for fault in plan: print(fault.describe())
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

KILL_JOB = "kill_job"
RESTART_BROKER = "restart_broker"
LATE_REPLAY = "late_replay"
KILL_PRODUCER = "kill_producer"
KILL_LIVE = "kill_live"  # SIGKILL `vts live run`, restart it in its group
REPLAY_LIVE = "replay_live"  # ... restart it in a new group: every window again, late
KINDS = (KILL_JOB, RESTART_BROKER, LATE_REPLAY, KILL_PRODUCER, KILL_LIVE, REPLAY_LIVE)
# faults fall in this span of the production time: after the first windows, before the end
SPAN = (0.15, 0.85)


@dataclass(frozen=True)
class Fault:
    at_s: float  # seconds after production started
    kind: str
    draw: float  # a uniform [0, 1) number the fault uses (which old window, when in a window)

    def describe(self) -> str:
        return f"t+{self.at_s:6.1f}s {self.kind} ({self.draw:.3f})"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at_s": round(self.at_s, 2), "draw": round(self.draw, 4)}


def make_plan(
    *,
    seed: int,
    duration_s: float,
    kills: int = 0,
    broker_restarts: int = 0,
    late_replays: int = 0,
    producer_kills: int = 0,
    live_kills: int = 0,
    live_replays: int = 0,
) -> list[Fault]:
    """The faults, in time order. The same arguments give the same plan."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable schedule, not a secret
    kinds = (
        [KILL_JOB] * kills
        + [RESTART_BROKER] * broker_restarts
        + [LATE_REPLAY] * late_replays
        + [KILL_PRODUCER] * producer_kills
        + [KILL_LIVE] * live_kills
        + [REPLAY_LIVE] * live_replays
    )
    lo, hi = SPAN
    faults = [Fault(rng.uniform(lo, hi) * duration_s, kind, rng.random()) for kind in kinds]
    return sorted(faults, key=lambda f: f.at_s)
