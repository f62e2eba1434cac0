"""The cluster rehearsal (``integration``): the published streaming job on a Spark cluster
whose executors share nothing with the driver.

The driver is the Glue script in the Glue 5.1 library set with the translated template's
arguments (as in test_glue_streaming_job.py), started with ``VTS_SPARK_MASTER`` on a
standalone master with two workers, each a node of its own (tests/rehearsal/glue/cluster.py:
own JVM, Python workers, scratch folders and environment, and a mount namespace in which
the driver's folders are empty). The job's code reaches the executors as Glue ships it
(``--py-files``: the published ``vts.zip``; the jars through Spark's file server), the
lake, quarantine and checkpoint are on S3 (moto's server, a mock: ``s3a://`` for Spark,
pyarrow's S3 client for the workers' staged files), and each node finds S3 credentials
of its own in its environment, never the driver's.

One scenario, the exactly-once cases that matter on a cluster:

1. the first attempt of batch 0: one worker's executor JVM and its Python workers are
   killed (SIGKILL) while the batch runs, then the driver is killed (SIGKILL) in the
   middle of publishing it: readers see only whole files, nothing twice, no staging;
2. the restart replays batch 0 from the S3 checkpoint: every event once;
3. a later run resumes from the checkpoint with new events: every event once, no orphan;
4. what the nodes saw: their own credentials, no driver path, the code as ``--py-files``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures.aws import MotoServer
from tests.rehearsal.glue.cluster import (
    EXECUTOR_MEMORY,
    Node,
    StandaloneCluster,
    environ,
)
from tests.rehearsal.glue.harness import GlueJobRun, JobFactory
from tests.stream.jobs import (
    NAME,
    REPO,
    LakeReader,
    event_ids,
    kill_when,
    messages,
    produce,
    simulated,
)
from vts.contract.topics import TOPIC_NAMES

pytestmark = pytest.mark.integration
# The driver is killed after publishing one file of batch 0: the worst state a reader
# can meet (part of a batch visible), which the restart must complete, not duplicate.
DRIVER_KILL_STEP = "renamed:1@0"
# Bounds a hang only: on a loaded 2-core machine the driver alone takes minutes to start.
EXECUTOR_WAIT_S = 600.0


def _on_cluster(job: GlueJobRun, cluster: StandaloneCluster, home: Path) -> GlueJobRun:
    """The job as a driver of ``cluster``: its own home, cwd and tmp under ``home``."""
    for sub in ("tmp", "local"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    return replace(
        job,
        submit_args=(
            # Glue's --extra-py-files: on the executors' Python path, fetched from the driver
            "--py-files",
            ",".join(map(str, job.published.extra_py_files)),
            "--conf",
            f"spark.executor.memory={EXECUTOR_MEMORY}",
            "--conf",
            "spark.executor.cores=1",
        ),
        # two dedup state stores, one per executor (on Glue the job picks 16)
        run_arguments={**job.run_arguments, "--shuffle_partitions": "2"},
        env={
            **job.env,
            "VTS_SPARK_MASTER": cluster.master_url,
            "TMPDIR": str(home / "tmp"),
            "SPARK_LOCAL_DIRS": str(home / "local"),
        },
        jvm_options=(*job.jvm_options, f"-Djava.io.tmpdir={home / 'tmp'}"),
    )


def _run(job: GlueJobRun, home: Path, name: str) -> None:
    done = job.run(home, timeout=300)
    (home.parent / f"{name}.log").write_text(done.stderr)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stderr[-6000:]}"


def _kill_executors_mid_batch(
    nodes: list[Node], driver: subprocess.Popen[bytes]
) -> tuple[Node, dict[str, dict[str, str]]]:
    """Once a node's executor runs Python tasks of the batch, SIGKILL that executor JVM
    and its Python workers; returns the node and their environments (read just before)."""
    deadline = time.monotonic() + EXECUTOR_WAIT_S
    while time.monotonic() < deadline and driver.poll() is None:
        for node in nodes:
            workers = node.python_workers()
            executors = node.executors()
            if workers and executors:
                seen = {"executor": environ(executors[0]), "python": environ(workers[0])}
                killed = node.kill_executors()
                assert set(workers) <= set(killed)
                return node, seen
        time.sleep(0.05)
    raise AssertionError(f"no executor ran a Python task (driver exit {driver.poll()})")


def _assert_reader_view(reader: LakeReader, when: str) -> None:
    """A reader of the tables' partitions sees whole files under their final names and
    nothing twice (an attempt that died leaves its staged files in the hidden
    ``_staging`` folder, which the next attempt sweeps)."""
    reader.assert_complete()
    names = [p.rsplit("/", 1)[-1] for p in reader.visible()]
    assert all(NAME.match(n) for n in names), names
    for table in TOPIC_NAMES:
        ids = reader.ids(f"data/{table}")
        assert len(ids) == len(set(ids)), f"duplicates in {table} {when}"


def test_sigkill_of_executors_and_driver_mid_batch_then_restarts_land_every_event_once(
    spark_cluster: StandaloneCluster,
    glue_job: JobFactory,
    kafka_broker: object,
    moto_server: MotoServer,
    s3_bucket: str,
    tmp_path: Path,
) -> None:
    home = tmp_path / "driver"
    job = _on_cluster(glue_job("plaintext"), spark_cluster, home)
    prefix = job.stack.params["TopicPrefix"]
    bootstrap = kafka_broker.bootstrap  # type: ignore[attr-defined]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    first = simulated(start, 120)
    produce(bootstrap, messages(prefix, first))
    reader = LakeReader(moto_server.s3fs(), s3_bucket)

    # 1. batch 0's first attempt: an executor dies mid-batch, then the driver mid-publish
    marker = tmp_path / "held"
    log = tmp_path / "killed-driver.log"
    with log.open("wb") as err:
        # the hold is a patch of the sink in the driver's own process (tests/stream/
        # hold_sink.py), importable there only: the published vts.zip comes first
        env = job.process_env(home)
        env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(REPO)])
        command = job.command()
        hold = ["-m", "tests.stream.hold_sink", DRIVER_KILL_STEP, str(marker)]
        driver = subprocess.Popen(
            [command[0], *hold, *command[1:]],
            env=env,
            cwd=home,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            node, seen = _kill_executors_mid_batch(spark_cluster.nodes, driver)
            for other in spark_cluster.nodes:
                for pid in other.executors() if other is not node else ():
                    with contextlib.suppress(OSError):  # unless it has just ended
                        seen[f"{other.name} executor"] = environ(pid)
        finally:
            held = kill_when(driver, marker)  # kills the driver whatever happened
    assert held, "the driver never reached " + DRIVER_KILL_STEP + log.read_text()[-4000:]
    assert reader.visible(), "the killed attempt had published part of batch 0"
    _assert_reader_view(reader, "after kill -9 of an executor and the driver")

    # 2. the restart replays batch 0 from the checkpoint on S3
    _run(job, home, "restart")
    for table, rows in first.items():
        assert sorted(reader.ids(f"data/{table}")) == sorted(event_ids(rows)), table
    _assert_reader_view(reader, "after the restart")

    # 3. a later run resumes from the checkpoint with new events and re-sent old ones,
    # which the dedup state (restored from S3 by the executors) drops
    second = simulated(start + timedelta(minutes=5), 60)
    produce(bootstrap, messages(prefix, second) + messages(prefix, first, limit=5))
    _run(job, home, "resume")
    for table in TOPIC_NAMES:
        expected = event_ids(first[table]) | event_ids(second[table])
        assert sorted(reader.ids(f"data/{table}")) == sorted(expected), table
    _assert_reader_view(reader, "after resuming")
    per_batch = Counter(NAME.match(p.rsplit("/", 1)[-1]).group("key") for p in reader.visible())  # type: ignore[union-attr]
    assert set(per_batch.values()) == {1}
    assert reader.staging() == []

    # 4. the nodes used their own environment and disk, and got the code as --py-files
    driver_key = moto_server.credentials_env["AWS_ACCESS_KEY_ID"]
    for name, env in seen.items():
        assert "VTS_HOME" not in env, name
        assert env.get("AWS_ACCESS_KEY_ID") not in (None, driver_key), name
    assert seen["python"]["AWS_ACCESS_KEY_ID"] == node.credentials["AWS_ACCESS_KEY_ID"]
    assert str(home) not in seen["python"].get("PYTHONPATH", "")
    for each in spark_cluster.nodes:
        for hidden in spark_cluster.hidden:
            assert each.sees(hidden, job.venv) == [], f"{each.name} sees into {hidden}"
        files = [str(p) for p in each.files()]
        assert [p for p in files if p.startswith("work/app-") and p.endswith("/vts.zip")], files
        assert not [p for p in files if "vts-data" in p or p.endswith(".parquet")], files
