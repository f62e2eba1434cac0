"""One chaos run: load, faults at seeded moments, catch-up, verdict.

    report = run_chaos(ChaosOptions(events=20_000, kills=2, seed=7), progress=print_progress)
    assert report.verdict.ok

The job is the Glue script with a short trigger and a dedup watermark shorter than the
faults' delays, so the verdict shows what the mechanisms guarantee, not what dedup hides.
When production and the faults are over, the streaming job gets a few triggers to catch
up, is SIGKILLed one last time, and the script runs once more with ``--available_now``
(as Glue's restart would resume it) so the lake is read in a committed state.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vts.chaos.aws import MockAws, mock_aws
from vts.chaos.exceptions import ChaosError
from vts.chaos.lake import committed_batches, newest_fixes, read_lake
from vts.chaos.live import LiveSide, expected_alerts
from vts.chaos.live_verdict import judge_alerts, judge_states
from vts.chaos.plan import (
    KILL_JOB,
    KILL_LIVE,
    KILL_PRODUCER,
    LATE_REPLAY,
    REPLAY_LIVE,
    RESTART_BROKER,
    Fault,
    make_plan,
)
from vts.chaos.processes import Broker, Service, job_command
from vts.chaos.progress import Progress
from vts.chaos.verdict import Verdict, judge
from vts.chaos.windows import Workload, ground_truth
from vts.settings import LocalPaths

logger = logging.getLogger(__name__)
ProgressFn = Callable[[float, str], None]
TICK_S = 0.2
KILL_WAIT_S = 30.0


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


def _seconds(watermark: str) -> float:
    number, _, unit = watermark.strip().partition(" ")
    scale = {"second": 1, "minute": 60, "hour": 3600}
    return float(number) * next((v for k, v in scale.items() if unit.startswith(k)), 1)


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


class _Run:
    def __init__(self, options: ChaosOptions, aws: MockAws, progress: ProgressFn) -> None:
        self.o = options
        self.aws = aws
        self.report_progress = progress
        self.workload = workload_of(options)
        paths = LocalPaths.from_env()
        base = options.workdir or paths.home / "chaos"
        self.dir = base / f"run-{options.seed}-{uuid.uuid4().hex[:6]}"
        (self.dir / "logs").mkdir(parents=True)
        self.broker = Broker(self.dir / "home", paths.jars)
        if options.s3:
            bucket = aws.bucket()
            root = f"s3a://{bucket}"
            self.lake, self.quarantine = f"{root}/data", f"{root}/quarantine"
            self.checkpoint = f"{root}/checkpoints/job"
        else:
            self.lake = str(self.dir / "lake")
            self.quarantine = str(self.dir / "lake" / "quarantine")
            self.checkpoint = str(self.dir / "checkpoints" / "job")
        self.table = aws.windows_table()
        self.progress = Progress(self.dir / "producer.jsonl")
        self.faults: list[dict[str, Any]] = []
        self.producer_starts = 0
        self.background: list[threading.Thread] = []
        self.batches = 0  # micro-batches committed so far
        self.batches_at_start = 0  # ... when the streaming job last started
        self._armed: float | None = None  # when an armed job kill fires
        self.plan = plan_of(options)
        self.live = LiveSide(self.dir, self.workload) if options.live else None
        self.live_runner: Service | None = None
        self.live_read: tuple[list[dict[str, Any]], dict[str, tuple[int, str]]] | None = None

    # --- the services ------------------------------------------------------------------------
    def _producer_env(self, bootstrap: str) -> dict[str, str]:
        return {
            **self.aws.env,
            **self.workload.environment(),
            "VTS_KAFKA_BOOTSTRAP": bootstrap,
            "VTS_KAFKA_AUTH": "plaintext",
            "VTS_TOPIC_PREFIX": "",
            "VTS_KAFKA_TRANSACTIONS": "true",
            "VTS_IDEMPOTENCY_TABLE": self.table,
            "POWERTOOLS_SERVICE_NAME": "vts-chaos-simulator",
            "POWERTOOLS_METRICS_NAMESPACE": "vts-chaos",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }

    def _worker(self, bootstrap: str, first: int) -> Service:
        command = [
            sys.executable,
            "-m",
            "vts.chaos.worker",
            "--progress",
            str(self.progress.path),
            "--from",
            str(first),
            "--count",
            str(self.workload.windows),
            "--pace",
            str(self.workload.pace_s),
            "--remaining-ms",
            str(self.o.lambda_timeout_ms),
        ]
        self.producer_starts += 1
        return Service("producer", command, self._producer_env(bootstrap), self._log("producer"))

    def _job(self, bootstrap: str, *, available_now: bool = False) -> Service:
        command = job_command(
            bootstrap=bootstrap,
            lake=self.lake,
            quarantine=self.quarantine,
            checkpoint=self.checkpoint,
            trigger_seconds=self.o.trigger_seconds,
            watermark=self.o.watermark,
            available_now=available_now,
        )
        env = {**self.aws.env, "PYTHONUNBUFFERED": "1"}
        return Service("job", command, env, self._log("job"))

    def _log(self, name: str) -> Path:
        return self.dir / "logs" / f"{name}.log"

    # --- the faults --------------------------------------------------------------------------
    def _fault(self, fault: Fault, job: Service, worker: Service, bootstrap: str) -> Service:
        """Inject ``fault``; the producer service afterwards (a killed one is replaced)."""
        started = time.monotonic()
        outcome: dict[str, Any] = {**fault.as_dict(), "at_actual_s": round(started - self.t0, 1)}
        self.faults.append(outcome)
        if fault.kind == KILL_JOB:
            outcome["batches_since_start"] = self.batches - self.batches_at_start
            job.kill(signal.SIGKILL)
            job.start()  # as Glue restarts a failed streaming job run
            self.batches_at_start = self.batches
        elif fault.kind in (RESTART_BROKER, LATE_REPLAY):  # in the background: the rest go on
            thread = threading.Thread(
                target=self._background, args=(fault, outcome, bootstrap), daemon=True
            )
            thread.start()
            self.background.append(thread)
            return worker
        elif fault.kind == KILL_PRODUCER:
            worker, killed = self._kill_producer(fault, worker, bootstrap)
            outcome.update(killed)
        elif fault.kind in (KILL_LIVE, REPLAY_LIVE) and self.live and self.live_runner:
            replay = fault.kind == REPLAY_LIVE
            self.live_runner = self.live.restart(self.live_runner, bootstrap, replay=replay)
            outcome["group"] = self.live.group
        outcome["took_s"] = round(time.monotonic() - started, 1)
        logger.info("fault %s: %s", fault.kind, outcome)
        return worker

    def _ready(self, fault: Fault) -> bool:
        """A job kill waits until the restarted job has published a batch (so it hits a
        running query, not one still starting), then a fraction of a trigger more; at most
        ``KILL_WAIT_S`` past its time (then it hits a job still starting up)."""
        if fault.kind != KILL_JOB:
            return True
        late = time.monotonic() - self.t0 - fault.at_s
        if self.batches > self.batches_at_start:
            if self._armed is None:
                self._armed = time.monotonic() + fault.draw * self.o.trigger_seconds
            if time.monotonic() >= self._armed:
                self._armed = None
                return True
            return False
        return late > KILL_WAIT_S

    def _background(self, fault: Fault, outcome: dict[str, Any], bootstrap: str) -> None:
        started = time.monotonic()
        try:
            if fault.kind == RESTART_BROKER:
                outcome["away_s"] = round(self.broker.restart(), 1)
            else:
                outcome.update(self._late_replay(fault, bootstrap))
        except Exception as exc:  # reported in the outcome; the verdict still runs
            outcome["error"] = f"{type(exc).__name__}: {exc}"
            logger.exception("fault %s failed", fault.kind)
        outcome["took_s"] = round(time.monotonic() - started, 1)
        logger.info("fault %s: %s", fault.kind, outcome)

    def _late_replay(self, fault: Fault, bootstrap: str) -> dict[str, Any]:
        """Invoke a completed window again, later than the job's dedup watermark if one is."""
        age = _seconds(self.o.watermark) + 2 * self.o.trigger_seconds
        deadline = time.monotonic() + 4 * age
        while True:  # a window the job's dedup has forgotten, if one completes in time
            done = dict(self.progress.done)  # a copy: the main loop keeps reading progress
            old = sorted(i for i, t in done.items() if t < time.time() - age)
            if old or time.monotonic() > deadline:
                break
            time.sleep(TICK_S)
        old = old or sorted(done)
        if not old:
            return {"window": None, "skipped": "no window had completed yet"}
        index = old[int(fault.draw * len(old))]
        outcome_age = round(time.time() - done[index], 1)
        out = self.dir / f"replay-{len(self.faults)}.jsonl"
        replay = Service(
            "replay",
            [
                sys.executable,
                "-m",
                "vts.chaos.worker",
                "--progress",
                str(out),
                "--only",
                str(index),
                "--count",
                str(self.workload.windows),
            ],
            self._producer_env(bootstrap),
            self._log("replay"),
        )
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

    def _kill_producer(
        self, fault: Fault, worker: Service, bootstrap: str
    ) -> tuple[Service, dict[str, Any]]:
        """SIGKILL the producer while it works on a window; start a new one, which retries."""
        deadline = time.monotonic() + 10 * self.workload.pace_s
        target = None
        while time.monotonic() < deadline and not self.progress.finished:
            self.progress.read()
            pending = [i for i in self.progress.begun if i not in self.progress.done]
            if pending:
                target = max(pending)
                break
            time.sleep(0.002)
        took = sorted(t - self.progress.begun[i] for i, t in self.progress.done.items())[-5:]
        typical = took[len(took) // 2] if took else 0.1
        if target is not None:  # within the window's record-generate-produce-commit
            kill_at = self.progress.begun[target] + fault.draw * 0.5 * typical
            time.sleep(max(0.0, kill_at - time.time()))
        worker.kill(signal.SIGKILL)
        self.progress.read()
        mid = target is not None and target not in self.progress.done
        replacement = self._worker(bootstrap, self.progress.first_missing(self.workload.windows))
        replacement.start()
        return replacement, {"window": target, "mid_window": mid}

    # --- the run -----------------------------------------------------------------------------
    def run(self) -> ChaosReport:
        wall = time.monotonic()
        logger.info("chaos run in %s; faults: %s", self.dir, [f.describe() for f in self.plan])
        bootstrap = self.broker.up()
        job = self._job(bootstrap)
        worker = self._worker(bootstrap, 0)
        try:
            if self.live is not None:
                self.live.up()
                self.live_runner = self.live.runner(bootstrap)
                self.live_runner.start()
            job.start()
            worker.start()
            while not self.progress.done:  # warm-up: the first window is the plan's t=0
                self.progress.read()
                if worker.reap() is not None:
                    raise ChaosError(
                        "the producer died before its first window", hint=f"read {worker.log}"
                    )
                time.sleep(TICK_S)
            self.t0 = time.monotonic()
            pending = list(self.plan)
            n = self.workload.windows
            polled = 0.0
            while pending or not self.progress.finished:
                self.progress.read()
                if time.monotonic() - polled > 1.0:
                    with self.aws.as_environment():
                        self.batches = committed_batches(self.checkpoint)
                    polled = time.monotonic()
                if job.reap() is not None:
                    job.start()  # it died by itself (a broker restart, say): Glue restarts it
                    self.batches_at_start = self.batches
                if self.live_runner is not None and self.live_runner.reap() is not None:
                    self.live_runner.start()  # as the mapping retries
                if worker.reap() is not None and not self.progress.finished:
                    worker = self._worker(bootstrap, self.progress.first_missing(n))
                    worker.start()
                due = [f for f in pending if time.monotonic() - self.t0 >= f.at_s]
                ready = next((f for f in due if self._ready(f)), None)
                if ready is not None:  # a waiting job kill does not hold up the others
                    pending.remove(ready)
                    worker = self._fault(ready, job, worker, bootstrap)
                self.report_progress(
                    len(self.progress.done) / n,
                    f"{len(self.progress.done)}/{n} windows, "
                    f"{len(self.faults)}/{len(self.plan)} faults",
                )
                time.sleep(TICK_S)
            for thread in self.background:
                thread.join()
            time.sleep(4 * self.o.trigger_seconds + 5)  # the streaming job catches up
            job.kill(signal.SIGKILL)
            final = self._job(bootstrap, available_now=True)
            final.start()
            code = final.wait(timeout=self.o.catch_up_timeout_s)
            if code != 0:
                raise ChaosError(
                    f"the job's catch-up run (--available_now) failed with exit code {code}",
                    hint=f"read {final.log}",
                )
            if self.live is not None and self.live_runner is not None:
                self.live_read = self._live_catch_up(self.live, self.live_runner, bootstrap)
        finally:
            worker.kill(signal.SIGKILL)
            job.kill(signal.SIGKILL)
            if self.live_runner is not None:
                self.live_runner.kill(signal.SIGKILL)
            if self.live is not None:
                self.live.down()
            self.broker.down()
        return self._report(job, worker, time.monotonic() - wall)

    def _live_catch_up(
        self, live: LiveSide, runner: Service, bootstrap: str
    ) -> tuple[list[dict[str, Any]], Any]:
        """SIGKILL the runner one last time, apply the rest with ``--available-now`` in the
        current group, and read the store."""
        runner.kill(signal.SIGKILL)
        final = live.runner(bootstrap, available_now=True)
        final.start()
        code = final.wait(timeout=self.o.catch_up_timeout_s)
        if code != 0:
            raise ChaosError(
                f"the live path's catch-up run (vts live run --available-now) failed with "
                f"exit code {code}",
                hint=f"read {final.log}",
            )
        return live.read()

    def _live_verdict(self) -> dict[str, Any] | None:
        if self.live is None or self.live_read is None or self.live_runner is None:
            return None
        rows, states = self.live_read
        expected = expected_alerts(self.workload, range(self.workload.windows), self.live.reference)
        alerts = judge_alerts(expected, rows, tolerance_s=1.0)  # one fix interval
        with self.aws.as_environment():
            lake_newest = newest_fixes(self.lake)
        fixes = judge_states(lake_newest, states)
        return {
            "ok": alerts.ok and fixes.ok,
            "summary": f"{alerts.summary()}; {fixes.summary()}",
            "alerts": alerts.as_dict(),
            "states": fixes.as_dict(),
            "runner": {"starts": self.live_runner.starts + 1, "groups": self.live.group + 1},
            "reference": str(self.live.reference),
            "alerts_read": rows,  # what /alerts served, as the verdict's rows
        }

    def _report(self, job: Service, worker: Service, wall_s: float) -> ChaosReport:
        self.progress.read()
        with self.aws.as_environment():
            view = read_lake(self.lake, self.quarantine, self.checkpoint)
        truth = ground_truth(self.workload, range(self.workload.windows))
        verdict = judge(truth, view)
        return ChaosReport(
            options={k: (str(v) if isinstance(v, Path) else v) for k, v in self.o.__dict__.items()},
            workload=self.workload.as_dict(),
            plan=[f.as_dict() for f in self.plan],
            faults=self.faults,
            job={"starts": job.starts + 1, "exits_by_itself": job.exits},
            producer={
                "starts": self.producer_starts,
                "windows_done": len(self.progress.done),
                "failed_invocations": len(self.progress.errors),
                "first_errors": self.progress.errors[:5],
                "already_produced": self.progress.already,
            },
            verdict=verdict,
            backend="s3 (moto server)" if self.o.s3 else "local filesystem",
            workdir=str(self.dir),
            wall_s=wall_s,
            live=self._live_verdict(),
        )


def run_chaos(options: ChaosOptions, progress: ProgressFn | None = None) -> ChaosReport:
    """Run the harness once (see the module docstring)."""
    with mock_aws() as aws:
        return _Run(options, aws, progress or (lambda _f, _s: None)).run()
