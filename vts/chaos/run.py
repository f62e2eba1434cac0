"""One chaos run: load, faults at seeded moments, catch-up, verdict.

    report = run_chaos(ChaosOptions(events=20_000, kills=2, seed=7), progress=print_progress)
    assert report.verdict.ok

The job is the Glue script with a short trigger and a dedup watermark shorter than the
faults' delays, so the verdict shows what the mechanisms guarantee, not what dedup hides.
When production and the faults are over, the streaming job gets a few triggers to catch
up, is SIGKILLed one last time, and the script runs once more with ``--available_now``
(as Glue's restart would resume it) so the lake is read in a committed state.

The moving parts are ``vts.chaos.rig``'s, the faults ``vts.chaos.faults``' and the
verdict ``vts.chaos.report``'s; this module runs them in order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from vts.chaos.aws import MockAws, mock_aws
from vts.chaos.faults import Faults
from vts.chaos.options import ChaosOptions, plan_of
from vts.chaos.report import ChaosReport, report
from vts.chaos.rig import TICK_S, Rig

logger = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]


def run_chaos(options: ChaosOptions, progress: ProgressFn | None = None) -> ChaosReport:
    """Run the harness once (see the module docstring)."""
    with mock_aws() as aws:
        return _run(options, aws, progress or (lambda _f, _s: None))


def _run(options: ChaosOptions, aws: MockAws, progress: ProgressFn) -> ChaosReport:
    rig = Rig(options, aws)
    faults = Faults(rig, plan_of(options))
    wall = time.monotonic()
    logger.info("chaos run in %s; faults: %s", rig.dir, [f.describe() for f in faults.plan])
    rig.up()
    try:
        rig.start()
        faults.begin()
        n = rig.workload.windows
        while faults.pending or not rig.progress.finished:
            rig.keep_running()
            faults.inject_due()
            done = len(rig.progress.done)
            progress(
                done / n, f"{done}/{n} windows, {len(faults.outcomes)}/{len(faults.plan)} faults"
            )
            time.sleep(TICK_S)
        faults.join()
        rig.catch_up()
    finally:
        rig.down()
    return report(rig, faults, time.monotonic() - wall)
