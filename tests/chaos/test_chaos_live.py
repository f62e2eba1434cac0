"""A short seeded chaos run with the live path (``vts chaos --live``'s own code): besides
the streaming job, ``vts live run`` follows the run's broker into a redis-server of its
own, with the city's roads and geofences; it is SIGKILLed twice and once restarted in a
new consumer group (every window delivered again, late), among a job kill and a producer
kill. Afterwards every alert the reports' rules find in the produced windows is in
``/alerts`` once, nothing else is, and each vehicle's live state is its newest fix in the
lake. Then a duplicate is planted in what ``/alerts`` served (an episode raised a second
time, with another start), and the verdict catches it. DynamoDB is moto's server: a mock.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from vts.chaos.live import expected_alerts
from vts.chaos.live_verdict import judge_alerts
from vts.chaos.options import ChaosOptions, workload_of
from vts.chaos.plan import KILL_LIVE, REPLAY_LIVE
from vts.chaos.run import run_chaos

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def test_the_live_path_raises_every_alert_once_through_kills_and_a_replay(
    short_run: Callable[..., ChaosOptions],
) -> None:
    options = short_run(
        kills=1,
        broker_restarts=0,
        late_replays=0,
        producer_kills=1,
        live=True,
        live_kills=2,
        live_replays=1,
    )
    report = run_chaos(options)

    data = report.as_dict()
    live = data["live"]
    assert report.ok, data
    assert live["alerts"]["expected"] >= 30 and live["alerts"]["raised"] >= 30
    assert live["states"]["vehicles"] == workload_of(options).vehicles
    kinds = [f["kind"] for f in report.faults]
    assert kinds.count(KILL_LIVE) == 2 and kinds.count(REPLAY_LIVE) == 1
    assert live["runner"]["groups"] == 2 and live["runner"]["starts"] >= 4

    rows = live["alerts_read"]
    workload = workload_of(options)
    expected = expected_alerts(workload, range(workload.windows), Path(live["reference"]))
    assert judge_alerts(expected, rows, tolerance_s=1.0).ok
    planted = {**rows[0], "start": rows[0]["start"] + 1.5, "alert_id": "planted"}
    caught = judge_alerts(expected, [*rows, planted], tolerance_s=1.0)
    assert (caught.duplicated, caught.lost, caught.unexpected) == (1, 0, 0)
    assert not caught.ok
