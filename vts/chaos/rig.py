"""The moving parts of one chaos run, each restartable: the run's own broker, the
streaming job (the Glue script, restarted as Glue restarts a failed run), the producer
(the simulator Lambda's handler, window after window, replaced as the Lambda retries) and,
with ``live``, the live side and its runner (restarted as the event source mapping
retries). ``Rig`` starts them, keeps them running, lets the faults (``vts.chaos.faults``)
kill and replace them, catches the job and the runner up at the end, and stops them.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from vts.chaos.aws import MockAws
from vts.chaos.exceptions import ChaosError
from vts.chaos.lake import committed_batches
from vts.chaos.live import LiveSide
from vts.chaos.options import ChaosOptions, workload_of
from vts.chaos.processes import Broker, Service, job_command
from vts.chaos.progress import Progress
from vts.settings import LocalPaths

logger = logging.getLogger(__name__)
TICK_S = 0.2
LiveRead = tuple[list[dict[str, Any]], dict[str, tuple[int, str]]]


class Rig:
    """The run's folder, lake and services (``up``, ``start``, ``keep_running``,
    ``catch_up``, ``down``)."""

    def __init__(self, options: ChaosOptions, aws: MockAws) -> None:
        self.o = options
        self.aws = aws
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
        self.producer_starts = 0
        self.batches = 0  # micro-batches committed so far
        self.batches_at_start = 0  # ... when the streaming job last started
        self._polled = 0.0
        self.live = LiveSide(self.dir, self.workload) if options.live else None
        self.live_runner: Service | None = None
        self.live_read: LiveRead | None = None
        self.bootstrap = ""
        self.job: Service  # from ``up``
        self.producer: Service  # from ``up``; replaced when it dies or is killed

    # --- the services ------------------------------------------------------------------------
    def _producer_env(self) -> dict[str, str]:
        return {
            **self.aws.env,
            **self.workload.environment(),
            "VTS_KAFKA_BOOTSTRAP": self.bootstrap,
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

    def _worker(self, first: int) -> Service:
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
        return Service("producer", command, self._producer_env(), self._log("producer"))

    def replay(self, index: int, progress: Path) -> Service:
        """The handler invoked once more for window ``index`` (not started), its notes in
        ``progress``."""
        command = [
            sys.executable,
            "-m",
            "vts.chaos.worker",
            "--progress",
            str(progress),
            "--only",
            str(index),
            "--count",
            str(self.workload.windows),
        ]
        return Service("replay", command, self._producer_env(), self._log("replay"))

    def _job(self, *, available_now: bool = False) -> Service:
        command = job_command(
            bootstrap=self.bootstrap,
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

    # --- the run's course --------------------------------------------------------------------
    def up(self) -> None:
        """Start the broker; the job and the producer are made, not started."""
        self.bootstrap = self.broker.up()
        self.job = self._job()
        self.producer = self._worker(0)

    def start(self) -> None:
        """Start the live side, the job and the producer; return once the producer has
        completed its first window (the plan's t=0)."""
        if self.live is not None:
            self.live.up()
            self.live_runner = self.live.runner(self.bootstrap)
            self.live_runner.start()
        self.job.start()
        self.producer.start()
        while not self.progress.done:  # warm-up: the first window is the plan's t=0
            self.progress.read()
            if self.producer.reap() is not None:
                raise ChaosError(
                    "the producer died before its first window", hint=f"read {self.producer.log}"
                )
            time.sleep(TICK_S)

    def keep_running(self) -> None:
        """Read the producer's progress and (once a second) the job's committed batches;
        restart what died by itself."""
        self.progress.read()
        if time.monotonic() - self._polled > 1.0:
            with self.aws.as_environment():
                self.batches = committed_batches(self.checkpoint)
            self._polled = time.monotonic()
        if self.job.reap() is not None:
            self.job.start()  # it died by itself (a broker restart, say): Glue restarts it
            self.batches_at_start = self.batches
        if self.live_runner is not None and self.live_runner.reap() is not None:
            self.live_runner.start()  # as the mapping retries
        if self.producer.reap() is not None and not self.progress.finished:
            self.replace_producer()

    def restart_job(self) -> None:
        """SIGKILL the streaming job and start it again, as Glue restarts a failed run."""
        self.job.kill(signal.SIGKILL)
        self.job.start()
        self.batches_at_start = self.batches

    def replace_producer(self) -> None:
        """A new producer from the first window not yet done (a killed one's is retried)."""
        self.producer = self._worker(self.progress.first_missing(self.workload.windows))
        self.producer.start()

    def restart_live(self, *, replay: bool) -> int | None:
        """SIGKILL the live runner and start it again (in a new consumer group when
        ``replay``); its group (None without the live path)."""
        if self.live is None or self.live_runner is None:
            return None
        self.live_runner = self.live.restart(self.live_runner, self.bootstrap, replay=replay)
        return self.live.group

    def catch_up(self) -> None:
        """Give the streaming job a few triggers, SIGKILL it, and run the script once more
        with ``--available_now``; the live runner likewise, then read the live store."""
        time.sleep(4 * self.o.trigger_seconds + 5)  # the streaming job catches up
        self.job.kill(signal.SIGKILL)
        final = self._job(available_now=True)
        final.start()
        code = final.wait(timeout=self.o.catch_up_timeout_s)
        if code != 0:
            raise ChaosError(
                f"the job's catch-up run (--available_now) failed with exit code {code}",
                hint=f"read {final.log}",
            )
        if self.live is not None and self.live_runner is not None:
            self.live_read = self._live_catch_up(self.live, self.live_runner)

    def _live_catch_up(self, live: LiveSide, runner: Service) -> LiveRead:
        """SIGKILL the runner one last time, apply the rest with ``--available-now`` in the
        current group, and read the store."""
        runner.kill(signal.SIGKILL)
        final = live.runner(self.bootstrap, available_now=True)
        final.start()
        code = final.wait(timeout=self.o.catch_up_timeout_s)
        if code != 0:
            raise ChaosError(
                f"the live path's catch-up run (vts live run --available-now) failed with "
                f"exit code {code}",
                hint=f"read {final.log}",
            )
        return live.read()

    def down(self) -> None:
        """Kill every service and stop the live store and the broker."""
        self.producer.kill(signal.SIGKILL)
        self.job.kill(signal.SIGKILL)
        if self.live_runner is not None:
            self.live_runner.kill(signal.SIGKILL)
        if self.live is not None:
            self.live.down()
        self.broker.down()
