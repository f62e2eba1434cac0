"""Start-up and restart of the streaming job: how long until it has committed a batch.

The Glue job script runs as a process of its own (a fresh PySpark on ``local[2]``, the
lake and checkpoint on local disk, a local broker, a 1 s trigger), as a user or Glue
starts it, and is timed from its log:

- **start**: process start -> its first micro-batch committed, over ``FIRST`` events
  waiting in fresh topics;
- **restart**: the job, streaming and caught up, is killed with SIGKILL; ``AFTER`` more
  events are produced (after the kill, or the running job would read them; before the
  restart, or the producer would share the CPU with it) and the job is started again
  from its checkpoint, as Glue restarts a failed job; timed from the restarted process's
  start to its first committed batch (``killed_before_s``: how long after the SIGKILL it
  started, the producing).

"Committed" is the batch's progress line (``vts.stream.metrics: batch N:``), which Spark
posts once the batch's files are published and its commit log written; ``published_s``
is the sink's line, when the files became visible. On the way, each start is split at
the job's log lines: ``imported`` (the script has imported its code: ``starting Spark``),
``session`` (the JVM and SparkSession are up: ``Kafka source``), ``query`` (the query
runs: ``started``), and the first batch's phases as Spark timed them (``latestOffset``,
``queryPlanning``, ``addBatch``: the batch's Spark job, its Python workers and the sink,
``walCommit``, ``commitOffsets``). At each of these points the CPU seconds of the process
tree are read (``bench.cpu``: the Python driver, the JVM, the Python workers): the
machine is shared, and the CPU seconds show the work where the wall clock shows the
wait.

Two variants, in alternating order per run: the session as ``SparkSettings.local()``
builds it (with the JVM's class archive when ``make jars`` built it:
``vts.spark.class_archive``), and the same with ``VTS_SPARK_CLASS_ARCHIVE=off``.

Target (issue 28): at most 10 s each on a local machine. Each run starts from nothing
(new topics, lake, checkpoint and VTS home); the figures are the medians and maxima of
``RUNS`` runs (1 with ``--quick``), and every run is kept.

Run it with ``python -m bench startup [--quick]`` (starts its own broker).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.context import BenchContext, job_env
from bench.cpu import tree_cpu
from bench.job_log import LoggedJob
from bench.soak import parse_metrics_line

SCRIPT = Path(__file__).resolve().parents[1] / "glue_scripts" / "vts_streaming_job.py"
START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
FIRST = (200, 30)  # vehicles, seconds: the events waiting at the first start
AFTER = (200, 10)  # waiting for the restarted job
RUNS = 3
TARGET_S = 10.0
WAIT_S = 300.0
VARIANTS = {"class_archive": {}, "no_class_archive": {"VTS_SPARK_CLASS_ARCHIVE": "off"}}
# log lines -> the milestone they mark (the first line of each counts)
MILESTONES = {
    "imported": re.compile(r"vts\.spark\.session: starting Spark"),
    "session": re.compile(r"vts\.stream\.source: Kafka source"),
    "query": re.compile(r"vts\.stream\.job: started "),
    "published": re.compile(r"vts\.stream\.sink: batch \d+: "),
    "committed": re.compile(r"vts\.stream\.metrics: batch \d+: "),
}
ARCHIVE_LINE = re.compile(r"class archive: (yes|no)")


class _Job(LoggedJob):
    """The job script as a process; notes when each milestone's line appears, and the
    CPU seconds of its process tree then."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.seen: dict[str, float] = {}
        self.cpu: dict[str, dict[str, float]] = {}
        self.phases: dict[str, float] = {}
        self.class_archive: bool | None = None
        super().__init__(argv, env, log)

    def on_line(self, line: str) -> None:
        now = time.monotonic()
        for name, pattern in MILESTONES.items():
            if name not in self.seen and pattern.search(line):
                self.cpu[name] = tree_cpu(self.process.pid)
                if name == "committed" and (batch := parse_metrics_line(line)) is not None:
                    self.phases = batch.phases
                self.seen[name] = now  # last: wait_for returns once it is set
        if self.class_archive is None and (found := ARCHIVE_LINE.search(line)):
            self.class_archive = found.group(1) == "yes"

    def wait_for(self, milestone: str) -> float:
        """When ``milestone`` was reached (``time.monotonic()``)."""
        self.wait_until(lambda: milestone in self.seen, f"reached {milestone}", WAIT_S, 0.02)
        return self.seen[milestone]

    def timeline(self, since: float) -> dict[str, Any]:
        """Seconds from ``since`` to each milestone, the CPU seconds at each, the phases."""
        self.wait_for("committed")
        return {
            **{f"{name}_s": round(self.seen[name] - since, 2) for name in MILESTONES},
            "cpu_s": self.cpu,
            "first_batch_phases_s": self.phases,
            "class_archive": self.class_archive,
        }


def _produce(bootstrap: str, prefix: str, start: datetime, size: tuple[int, int]) -> int:
    from simulator import generate
    from simulator.outputs.producer import Producer

    vehicles, seconds = size
    batches = generate("city", 5, start, seconds, vehicles=vehicles)
    with Producer.connect(bootstrap, topic_prefix=prefix) as producer:
        producer.produce_batches(batches.values())
    return sum(len(b) for b in batches.values())


def _one_run(
    ctx: BenchContext, bootstrap: str, n: int, variant: str, env_vars: dict[str, str]
) -> dict[str, Any]:
    from vts.contract.topics import TOPIC_NAMES
    from vts.kafka.admin import create_topics

    prefix = f"benchstartup{n}{variant.replace('_', '')}-"
    workdir = ctx.workdir / f"startup-{n}-{variant}"
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
    env = job_env(workdir / "home", **env_vars)

    first = _Job(argv, env, workdir / "start.log")
    start = first.timeline(first.started)
    time.sleep(2)  # caught up and idle
    killed = first.kill()
    # the restart's events wait in Kafka: produced after the kill (the running job would
    # read them) and before the restart (the producer would take a core from its start)
    later = _produce(bootstrap, prefix, START + timedelta(seconds=FIRST[1]), AFTER)

    again = _Job(argv, env, workdir / "restart.log")
    restart = {
        "killed_before_s": round(again.started - killed, 2),
        **again.timeline(again.started),
    }
    again.kill()
    ctx.say(
        f"startup run {n} ({variant}): committed {start['committed_s']}s after start, "
        f"{restart['committed_s']}s after its restart"
    )
    return {
        "variant": variant,
        "events": events,
        "events_after_restart": later,
        "start": start,
        "restart": restart,
    }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def figures(part: str, key: str) -> list[float]:
        return [r[part][key] for r in runs]

    summary: dict[str, Any] = {"runs": len(runs)}
    for part in ("start", "restart"):
        committed = figures(part, "committed_s")
        summary[part] = {
            "committed_median_s": round(statistics.median(committed), 2),
            "committed_max_s": max(committed),
            "published_median_s": round(statistics.median(figures(part, "published_s")), 2),
            # the median time to each milestone, and the CPU seconds by then
            "milestones_median_s": {
                name: round(statistics.median(figures(part, f"{name}_s")), 2) for name in MILESTONES
            },
            "cpu_median_s": {
                name: {
                    role: round(
                        statistics.median(r[part]["cpu_s"][name].get(role, 0.0) for r in runs), 2
                    )
                    for role in runs[0][part]["cpu_s"][name]
                }
                for name in MILESTONES
            },
            "first_batch_phases_median_s": {
                phase: round(
                    statistics.median(
                        r[part]["first_batch_phases_s"].get(phase, 0.0) for r in runs
                    ),
                    2,
                )
                for phase in runs[0][part]["first_batch_phases_s"]
            },
        }
    return summary


def run(ctx: BenchContext) -> dict[str, Any]:
    bootstrap = ctx.kafka_bootstrap()
    runs: list[dict[str, Any]] = []
    names = list(VARIANTS)
    for n in range(1 if ctx.quick else RUNS):
        order = names if n % 2 == 0 else names[::-1]
        runs.extend(_one_run(ctx, bootstrap, n, v, VARIANTS[v]) for v in order)
    variants = {v: _summary([r for r in runs if r["variant"] == v]) for v in names}
    main = variants[names[0]]
    return {
        "what": "Glue job script on local[2], own process: start -> first committed batch; "
        "after a SIGKILL, restarted process start -> first committed batch",
        "trigger_seconds": 1,
        "target_s": TARGET_S,
        "class_archive_used": all(
            r[p]["class_archive"] for r in runs if r["variant"] == names[0] for p in ("start",)
        ),
        "start_to_first_batch_s": main["start"]["committed_median_s"],
        "start_to_first_batch_max_s": main["start"]["committed_max_s"],
        "restart_to_first_batch_s": main["restart"]["committed_median_s"],
        "restart_to_first_batch_max_s": main["restart"]["committed_max_s"],
        "variants": variants,
        "runs": runs,
        "note": "medians and maxima over the runs; cpu_s: CPU seconds of the job's process "
        "tree (python_driver, jvm incl. spark-submit's launcher, python_workers) at each "
        "milestone, counted from its process start",
    }
