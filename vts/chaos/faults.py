"""The plan's faults, injected into a running ``Rig`` when due.

A job kill waits for the restarted job's first batch (so it hits a running query); a
broker restart and a late replay run in the background while the run goes on; a producer
kill lands within a window's record-generate-produce-commit; a live kill or replay
restarts the live runner. Each fault's outcome is recorded for the report.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from typing import Any

from vts.chaos.plan import (
    KILL_JOB,
    KILL_LIVE,
    KILL_PRODUCER,
    LATE_REPLAY,
    REPLAY_LIVE,
    RESTART_BROKER,
    Fault,
)
from vts.chaos.rig import TICK_S, Rig
from vts.stream.args import interval_seconds

logger = logging.getLogger(__name__)
KILL_WAIT_S = 30.0


class Faults:
    """``plan``'s faults against ``rig``: ``begin`` (the plan's t=0), ``inject_due`` on
    every tick, ``join`` the background ones; ``outcomes`` for the report."""

    def __init__(self, rig: Rig, plan: list[Fault]) -> None:
        self.rig = rig
        self.plan = plan
        self.pending = list(plan)
        self.outcomes: list[dict[str, Any]] = []
        self.background: list[threading.Thread] = []
        self.t0 = 0.0
        self._armed: float | None = None  # when an armed job kill fires

    def begin(self) -> None:
        self.t0 = time.monotonic()

    def inject_due(self) -> None:
        """Inject the first due fault that is ready (a waiting job kill does not hold up
        the others)."""
        due = [f for f in self.pending if time.monotonic() - self.t0 >= f.at_s]
        ready = next((f for f in due if self._ready(f)), None)
        if ready is not None:
            self.pending.remove(ready)
            self._inject(ready)

    def join(self) -> None:
        for thread in self.background:
            thread.join()

    def _inject(self, fault: Fault) -> None:
        rig = self.rig
        started = time.monotonic()
        outcome: dict[str, Any] = {**fault.as_dict(), "at_actual_s": round(started - self.t0, 1)}
        self.outcomes.append(outcome)
        if fault.kind == KILL_JOB:
            outcome["batches_since_start"] = rig.batches - rig.batches_at_start
            rig.restart_job()  # as Glue restarts a failed streaming job run
        elif fault.kind in (RESTART_BROKER, LATE_REPLAY):  # in the background: the rest go on
            thread = threading.Thread(target=self._background, args=(fault, outcome), daemon=True)
            thread.start()
            self.background.append(thread)
            return
        elif fault.kind == KILL_PRODUCER:
            outcome.update(self._kill_producer(fault))
        elif fault.kind in (KILL_LIVE, REPLAY_LIVE):
            group = rig.restart_live(replay=fault.kind == REPLAY_LIVE)
            if group is not None:
                outcome["group"] = group
        outcome["took_s"] = round(time.monotonic() - started, 1)
        logger.info("fault %s: %s", fault.kind, outcome)

    def _ready(self, fault: Fault) -> bool:
        """A job kill waits until the restarted job has published a batch (so it hits a
        running query, not one still starting), then a fraction of a trigger more; at most
        ``KILL_WAIT_S`` past its time (then it hits a job still starting up)."""
        if fault.kind != KILL_JOB:
            return True
        late = time.monotonic() - self.t0 - fault.at_s
        if self.rig.batches > self.rig.batches_at_start:
            if self._armed is None:
                self._armed = time.monotonic() + fault.draw * self.rig.o.trigger_seconds
            if time.monotonic() >= self._armed:
                self._armed = None
                return True
            return False
        return late > KILL_WAIT_S

    def _background(self, fault: Fault, outcome: dict[str, Any]) -> None:
        started = time.monotonic()
        try:
            if fault.kind == RESTART_BROKER:
                outcome["away_s"] = round(self.rig.broker.restart(), 1)
            else:
                outcome.update(self._late_replay(fault))
        except Exception as exc:  # reported in the outcome; the verdict still runs
            outcome["error"] = f"{type(exc).__name__}: {exc}"
            logger.exception("fault %s failed", fault.kind)
        outcome["took_s"] = round(time.monotonic() - started, 1)
        logger.info("fault %s: %s", fault.kind, outcome)

    def _late_replay(self, fault: Fault) -> dict[str, Any]:
        """Invoke a completed window again, later than the job's dedup watermark if one is."""
        rig = self.rig
        age = interval_seconds(rig.o.watermark) + 2 * rig.o.trigger_seconds
        deadline = time.monotonic() + 4 * age
        while True:  # a window the job's dedup has forgotten, if one completes in time
            done = dict(rig.progress.done)  # a copy: the main loop keeps reading progress
            old = sorted(i for i, t in done.items() if t < time.time() - age)
            if old or time.monotonic() > deadline:
                break
            time.sleep(TICK_S)
        old = old or sorted(done)
        if not old:
            return {"window": None, "skipped": "no window had completed yet"}
        index = old[int(fault.draw * len(old))]
        outcome_age = round(time.time() - done[index], 1)
        out = rig.dir / f"replay-{len(self.outcomes)}.jsonl"
        replay = rig.replay(index, out)
        replay.start()
        code = replay.wait(timeout=300)
        notes = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
        last = notes[-1] if notes else {}
        return {
            "window": index,
            "completed_s_ago": outcome_age,
            "exit": code,
            "already_produced": last.get("already"),
            "error": last.get("error"),
        }

    def _kill_producer(self, fault: Fault) -> dict[str, Any]:
        """SIGKILL the producer while it works on a window; start a new one, which retries."""
        rig, progress = self.rig, self.rig.progress
        deadline = time.monotonic() + 10 * rig.workload.pace_s
        target = None
        while time.monotonic() < deadline and not progress.finished:
            progress.read()
            pending = [i for i in progress.begun if i not in progress.done]
            if pending:
                target = max(pending)
                break
            time.sleep(0.002)
        took = sorted(t - progress.begun[i] for i, t in progress.done.items())[-5:]
        typical = took[len(took) // 2] if took else 0.1
        if target is not None:  # within the window's record-generate-produce-commit
            kill_at = progress.begun[target] + fault.draw * 0.5 * typical
            time.sleep(max(0.0, kill_at - time.time()))
        rig.producer.kill(signal.SIGKILL)
        progress.read()
        mid = target is not None and target not in progress.done
        rig.replace_producer()
        return {"window": target, "mid_window": mid}
