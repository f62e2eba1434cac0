"""The streaming job with its lake, quarantine and checkpoint on S3 (``integration``).

S3 is moto's server (a mock of S3, over real HTTP on 127.0.0.1), reached the way a local
run reaches any S3 endpoint: Spark's ``s3a://`` client with ``s3://`` mapped onto it
(``VTS_S3_ENDPOINT``, ``vts.spark.session``), Kafka a real broker. S3 has no rename, so
every publish is a copy then a delete; the exactly-once tests that matter most are
repeated here on top of that:

1. two runs in process, the second resuming from the S3 checkpoint: every event lands
   once, malformed messages are quarantined once, ``vts crawl`` (Glue backend, moto)
   catalogs the bucket;
2. the Glue job script (a subprocess, configured only by ``VTS_S3_ENDPOINT`` and the
   standard AWS variables) is killed with SIGKILL in the middle of committing one batch,
   at each state a commit step can leave, in turn, each restart replaying that batch over
   what the one before left: a reader of a table's partitions sees only whole files, no
   duplicate and no ``_staging`` object, then, after a last restart, every event once
   and no orphan.

The lake is read with pyarrow's ``S3FileSystem`` (endpoint override), as Spectrum reads
the objects, not through Spark's metadata.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.aws import MotoServer
from tests.stream.jobs import (
    NAME,
    LakeReader,
    bad_messages,
    event_ids,
    glue_argv,
    kill_at,
    messages,
    produce,
    simulated,
)
from vts.cli.main import main
from vts.contract.topics import TOPIC_NAMES
from vts.kafka.admin import create_topics
from vts.settings import LocalPaths
from vts.stream.args import JobArgs
from vts.stream.job import run

pytestmark = pytest.mark.integration
# Where the sink is killed (tests/stream/hold_sink.py's steps), one attempt after the
# other, each replaying the batch over what the one before left: staged files only; one
# file published; the manifest rewritten over the earlier one's, that file still visible;
# everything published but the batch not committed (the next attempt replaces every file).
# A kill at "stale" or at a later "renamed:<k>" leaves one of these states when, as here,
# the replay produces the same names; tests/stream/test_commit_s3.py crashes the S3 commit
# at every step with a replay that produces other names.
KILL_STEPS = ("staged", "renamed:1", "manifest", "published")
# two tables: a batch of several files, and cheaper to run once per step
KILL_TABLES = ("vehicle_data", "gps_data")


def _topics(kafka_broker: Any) -> str:
    prefix = f"s{uuid.uuid4().hex[:8]}-"
    create_topics(kafka_broker.bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=2)
    return prefix


def _args(bootstrap: str, prefix: str, bucket: str, checkpoint_scheme: str = "s3") -> JobArgs:
    """The template's layout: s3://<bucket>/data/, quarantine/ and checkpoints/."""
    return JobArgs(
        bootstrap_servers=bootstrap,
        output_path=f"s3://{bucket}/data",
        quarantine_path=f"s3://{bucket}/quarantine",
        checkpoint_path=f"{checkpoint_scheme}://{bucket}/checkpoints/job",
        topic_prefix=prefix,
        available_now=True,
        catalog="none",
    )


def _tables(reader: LakeReader) -> dict[str, list[str]]:
    return {table: reader.ids(f"data/{table}") for table in TOPIC_NAMES}


def _assert_reader_view(reader: LakeReader, when: str) -> None:
    """What a reader of the tables' partitions sees: whole files, nothing twice or staged."""
    reader.assert_complete()
    for table in (*(f"data/{t}" for t in TOPIC_NAMES), "quarantine"):
        objects = reader.objects(table)
        assert not [p for p in objects if "_staging" in p], f"staging in {table} {when}"
        assert all(NAME.match(p.rsplit("/", 1)[-1]) for p in reader.visible(table)), objects
    for table, ids in _tables(reader).items():
        assert len(ids) == len(set(ids)), f"duplicates in {table} {when}"


def _assert_published_once(reader: LakeReader) -> None:
    """Every visible file has its deterministic name, one per table partition and batch."""
    names = [p.rsplit("/", 1)[-1] for p in reader.visible()]
    assert names and all(NAME.match(n) for n in names), names
    per_batch = Counter(NAME.match(n).group("key") for n in names)  # type: ignore[union-attr]
    assert set(per_batch.values()) == {1}
    assert not [p for p in reader.staging() if p.endswith(".parquet")]


def test_restart_from_an_s3_checkpoint_then_crawl_the_bucket_into_glue(
    spark: Any,
    kafka_broker: Any,
    moto_server: MotoServer,
    s3_bucket: str,
    glue_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bucket = s3_bucket
    prefix = _topics(kafka_broker)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    first = simulated(start, 90)
    bad = bad_messages()
    malformed = [(prefix + "vehicle_data", None, v) for v in bad]
    duplicates = messages(prefix, first, limit=5)
    produce(kafka_broker.bootstrap, messages(prefix, first) + malformed + duplicates)
    # the checkpoint on s3a:// (Hadoop's FileContext), the lake on the template's s3://
    args = _args(kafka_broker.bootstrap, prefix, bucket, checkpoint_scheme="s3a")
    reader = LakeReader(moto_server.s3fs(), bucket)

    result = run(args, spark=spark)

    assert result.quarantined == len(bad)
    expected = {t: event_ids(rows) for t, rows in first.items()}
    for table, ids in _tables(reader).items():
        assert sorted(ids) == sorted(expected[table]), table
    quarantined = {bytes(row["raw_value"]): row["reason"] for row in reader.quarantine()}
    assert set(quarantined) == set(bad)
    assert all(quarantined[raw].startswith(code) for raw, code in bad.items())

    second = simulated(start + timedelta(minutes=5), 60)
    produce(kafka_broker.bootstrap, messages(prefix, second))
    run(args, spark=spark)

    for table, ids in _tables(reader).items():
        assert sorted(ids) == sorted(expected[table] | event_ids(second[table])), table
    assert len(reader.quarantine()) == len(bad)
    _assert_reader_view(reader, "after the restart")
    _assert_published_once(reader)

    # `vts crawl` with the Glue backend (moto) catalogs the job's lake from the bucket
    for key, value in moto_server.env.items():
        monkeypatch.setenv(key, value)
    database = glue_database
    crawl = ["crawl", f"s3://{bucket}/data", "--catalog", "glue", "--region", "us-east-1"]
    assert main([*crawl, "--database", database, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and not report["skipped"]
    landed = {table: ids for table, ids in _tables(reader).items() if ids}
    assert {t["table"] for t in report["tables"]} == set(landed)
    assert report["totals"]["rows_added"] == sum(len(ids) for ids in landed.values())
    glue = moto_server.client("glue")
    table = glue.get_table(DatabaseName=database, Name="vehicle_data")["Table"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{bucket}/data/vehicle_data"
    partitions = glue.get_partitions(DatabaseName=database, TableName="vehicle_data")
    locations = {p["StorageDescriptor"]["Location"] for p in partitions["Partitions"]}
    folders = {p.rsplit("/", 1)[0] for p in reader.visible("data/vehicle_data")}
    assert locations == {f"s3://{bucket}/{f}" for f in folders}


def test_sigkill_at_every_commit_step_on_s3_then_restart(
    spark: Any, kafka_broker: Any, moto_server: MotoServer, s3_bucket: str, tmp_path: Path
) -> None:
    bucket = s3_bucket
    prefix = _topics(kafka_broker)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    sim = {t: rows for t, rows in simulated(start, 120).items() if t in KILL_TABLES}
    produce(kafka_broker.bootstrap, messages(prefix, sim))
    # one batch (each attempt computes only the batch it is killed in), one state store;
    # resuming after committed batches is the restart test's
    args = replace(
        _args(kafka_broker.bootstrap, prefix, bucket), topics=KILL_TABLES, shuffle_partitions=1
    )
    argv = glue_argv(args)
    env = {
        **os.environ,
        **moto_server.env,  # VTS_S3_ENDPOINT and the AWS variables: nothing else
        "VTS_HOME": str(tmp_path / "home"),
        "VTS_JARS_DIR": str(LocalPaths.from_env().jars),  # the shared jar cache
    }
    reader = LakeReader(moto_server.s3fs(), bucket)

    for step in KILL_STEPS:
        kill_at(argv, env, f"{step}@0", tmp_path)
        _assert_reader_view(reader, f"after kill -9 at {step}")
    assert reader.visible()  # the killed attempts had published (part of) the batch

    run(args, spark=spark)

    for table in KILL_TABLES:
        assert sorted(reader.ids(f"data/{table}")) == sorted(event_ids(sim[table])), table
    _assert_reader_view(reader, "after the restart")
    _assert_published_once(reader)
