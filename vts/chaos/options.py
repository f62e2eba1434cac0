"""What a chaos run is asked to do (``ChaosOptions``), the load it produces (``workload_of``)
and the faults it draws (``plan_of``): the same every time for the same options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vts.chaos.plan import Fault, make_plan
from vts.chaos.windows import Workload


@dataclass(frozen=True)
class ChaosOptions:
    events: int = 20_000
    rate: float = 2_000.0
    window_seconds: int = 10
    seed: int = 1
    kills: int = 2
    broker_restarts: int = 1
    late_replays: int = 1
    producer_kills: int = 1
    trigger_seconds: int = 2
    watermark: str = "5 seconds"
    lambda_timeout_ms: int = 5_000  # an attempt killed mid-window holds its window this long
    catch_up_timeout_s: float = 900.0
    s3: bool = False
    workdir: Path | None = None
    live: bool = False  # the live path too: `vts live run` on a redis-server of the run's
    live_kills: int = 0
    live_replays: int = 0


def workload_of(options: ChaosOptions) -> Workload:
    return Workload.sized(
        events=options.events,
        rate=options.rate,
        window_seconds=options.window_seconds,
        seed=options.seed,
    )


def plan_of(options: ChaosOptions) -> list[Fault]:
    """The faults ``options`` draw (the same every time for the same options)."""
    return make_plan(
        seed=options.seed,
        duration_s=workload_of(options).duration_s,
        kills=options.kills,
        broker_restarts=options.broker_restarts,
        late_replays=options.late_replays,
        producer_kills=options.producer_kills,
        live_kills=options.live_kills if options.live else 0,
        live_replays=options.live_replays if options.live else 0,
    )
