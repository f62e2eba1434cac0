"""A short seeded chaos run of the whole local pipeline (``vts chaos``'s own code): the
simulator Lambda's handler producing one window a second into the run's own broker, the
Glue job script streaming with a 2 s trigger and a 5 s dedup watermark, and on a seeded
schedule two SIGKILLs of the job, one broker restart, one late replay of a completed
window and one SIGKILL of the producer mid-window. Afterwards the lake, read with pyarrow,
holds every event of every window exactly once, with no orphan file and nothing
quarantined. DynamoDB (the idempotency table) is moto's server: a mock.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from vts.chaos.options import ChaosOptions
from vts.chaos.plan import KILL_JOB, KILL_PRODUCER, LATE_REPLAY, RESTART_BROKER
from vts.chaos.run import run_chaos

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]


def test_a_seeded_chaos_run_loses_and_duplicates_nothing(
    short_run: Callable[..., ChaosOptions],
) -> None:
    options = short_run(kills=2, broker_restarts=1, late_replays=1, producer_kills=1)
    report = run_chaos(options)

    data = report.as_dict()
    assert report.verdict.ok, data
    assert data["verdict"]["expected"] == data["verdict"]["rows"] > 7_000
    kinds = sorted(f["kind"] for f in report.faults)
    assert kinds == sorted([KILL_JOB, KILL_JOB, RESTART_BROKER, LATE_REPLAY, KILL_PRODUCER])
    (replay,) = [f for f in report.faults if f["kind"] == LATE_REPLAY]
    # invoked again later than the job's dedup remembers: the Lambda's record stopped it
    assert replay["already_produced"] is True and replay["completed_s_ago"] > 5
    (kill,) = [f for f in report.faults if f["kind"] == KILL_PRODUCER]
    assert kill["mid_window"] is True, report.faults  # the invocation was under way
    assert report.producer["starts"] >= 2 and report.job["starts"] >= 4
