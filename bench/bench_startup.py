"""Start-up and restart of the streaming job: how long until it has committed a batch.

The Glue job script runs as a process of its own (a fresh PySpark on ``local[2]``, the
lake and checkpoint on local disk, a local broker, a 1 s trigger), as a user or Glue
starts it, and is timed from its log:

- **start**: process start -> its first micro-batch committed (the sink's ``batch N:``
  line), over ``FIRST`` events waiting in fresh topics; on the way, when the script has
  imported its code and starts Spark (``spark_start``: the ``starting Spark`` line) and
  when the query runs (``query``: the ``started`` line);
- **restart**: the job, streaming and caught up, is killed with SIGKILL and started again
  at once, as Glue restarts a failed job; new events are produced as it starts; timed
  from the SIGKILL to the restarted process's first committed batch.

Target (issue 28): at most 10 s each on a local machine. Each run starts from nothing
(new topics, lake, checkpoint and VTS home); the figures are the medians of ``RUNS``
runs (1 with ``--quick``), and every run is kept.

Run it with ``python -m bench startup [--quick]`` (starts its own broker).
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.context import BenchContext

SCRIPT = Path(__file__).resolve().parents[1] / "glue_scripts" / "vts_streaming_job.py"
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
FIRST = (200, 30)  # vehicles, seconds: the events waiting at the first start
AFTER = (200, 10)  # produced as the restarted job starts
RUNS = 3
TARGET_S = 10.0
WAIT_S = 300.0
# log lines -> the milestone they mark (the first line of each counts)
MILESTONES = {
    "spark_start": re.compile(r"vts\.spark\.session: starting Spark"),
    "query": re.compile(r"vts\.stream\.job: started "),
    "batch": re.compile(r"vts\.stream\.sink: batch \d+: "),
}


class _Job:
    """The job script as a process; notes when each milestone's line appears."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own script, arguments we built
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: the script and its JVM
        )
        self.seen: dict[str, float] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.log.open("w") as out:
            for line in self.process.stderr:
                now = time.monotonic()
                out.write(line)
                for name, pattern in MILESTONES.items():
                    if name not in self.seen and pattern.search(line):
                        self.seen[name] = now

    def wait_for(self, milestone: str) -> float:
        """When ``milestone`` was reached (``time.monotonic()``)."""
        deadline = time.monotonic() + WAIT_S
        while milestone not in self.seen:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._reader.join(5)
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the job never reached {milestone}:\n{tail}")
            time.sleep(0.02)
        return self.seen[milestone]

    def kill(self) -> float:
        """SIGKILL the script and its JVM at once, as when a host dies; returns when."""
        killed = time.monotonic()
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self._reader.join(30)
        return killed


def _produce(bootstrap: str, prefix: str, start: datetime, size: tuple[int, int]) -> int:
    from simulator import generate
    from simulator.outputs.producer import Producer

    vehicles, seconds = size
    batches = generate("city", 5, start, seconds, vehicles=vehicles)
    with Producer.connect(bootstrap, topic_prefix=prefix) as producer:
        producer.produce_batches(batches.values())
    return sum(len(b) for b in batches.values())


def _one_run(ctx: BenchContext, bootstrap: str, n: int) -> dict[str, Any]:
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics

    prefix = f"benchstartup{n}-"
    workdir = ctx.workdir / f"startup-{n}"
    workdir.mkdir(parents=True)
    create_topics(bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=3)
    events = _produce(bootstrap, prefix, START, FIRST)
    argv = [
        sys.executable,
        str(SCRIPT),
        "--JOB_NAME",
        f"bench-startup-{n}",
        "--bootstrap_servers",
        bootstrap,
        "--topic_prefix",
        prefix,
        "--catalog",
        "none",
        "--output_path",
        str(workdir / "lake"),
        "--quarantine_path",
        str(workdir / "lake" / "quarantine"),
        "--checkpoint_path",
        str(workdir / "checkpoint"),
        "--trigger_seconds",
        "1",
    ]
    env = {**os.environ, "VTS_HOME": str(workdir / "home")}

    first = _Job(argv, env, workdir / "start.log")
    committed = first.wait_for("batch")
    start = {
        f"{name}_s": round(first.wait_for(name) - first.started, 2)
        for name in ("spark_start", "query")
    }
    start["first_batch_s"] = round(committed - first.started, 2)
    time.sleep(2)  # caught up and idle: Glue restarts a job whenever it fails
    killed = first.kill()

    again = _Job(argv, env, workdir / "restart.log")
    later = _produce(bootstrap, prefix, START + timedelta(seconds=FIRST[1]), AFTER)
    recommitted = again.wait_for("batch")
    restart = {
        "process_start_s": round(again.started - killed, 2),
        "spark_start_s": round(again.wait_for("spark_start") - killed, 2),
        "query_s": round(again.wait_for("query") - killed, 2),
        "first_batch_s": round(recommitted - killed, 2),
    }
    again.kill()
    ctx.say(
        f"startup run {n}: first batch {start['first_batch_s']}s after start, "
        f"{restart['first_batch_s']}s after SIGKILL"
    )
    return {"events": events, "events_after_restart": later, "start": start, "restart": restart}


def run(ctx: BenchContext) -> dict[str, Any]:
    bootstrap = ctx.kafka_bootstrap()
    runs = [_one_run(ctx, bootstrap, n) for n in range(1 if ctx.quick else RUNS)]

    def median(part: str) -> float:
        return round(statistics.median(r[part]["first_batch_s"] for r in runs), 2)

    return {
        "what": "Glue job script on local[2], own process: start -> first committed batch, "
        "SIGKILL -> restarted -> first committed batch",
        "trigger_seconds": 1,
        "target_s": TARGET_S,
        "start_to_first_batch_s": median("start"),
        "kill_to_first_batch_s": median("restart"),
        "runs": runs,
    }
