"""The streaming job against a real Kafka broker and real PySpark (``integration``).

One scenario, run in steps so each Spark run serves several assertions:

1. a first run (the ``first_run`` fixture, so each test may run alone) reads valid events,
   tutorial (v0) messages, every kind of malformed message and producer duplicates: each
   valid event lands exactly once in its table and partition, v0 messages are normalised,
   malformed ones are quarantined with their reason and raw bytes, duplicates are dropped,
   and the job keeps going;
2. a second run (after the first) resumes from the checkpoint: new events land, nothing is
   lost or doubled;
3. the Glue job script (a subprocess) is held in the middle of publishing a batch and
   killed with SIGKILL, then restarted: a plain pyarrow reader of the folders (not Spark's
   metadata) sees no partial, duplicate or orphan file, then or after the restart.

Files are read with pyarrow, as the Glue crawler and Redshift Spectrum read them.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tests.contract.tutorial_samples import SAMPLES
from tests.stream.jobs import (
    NAME,
    LakeReader,
    bad_messages,
    glue_argv,
    job_args,
    kill_at,
    produce,
    simulated,
)
from vts.contract.topics import TOPIC_NAMES
from vts.kafka.admin import create_topics
from vts.settings import LocalPaths
from vts.stream.job import run

pytestmark = pytest.mark.integration


def _lake_ids(lake: Path, table: str) -> list[str]:
    return LakeReader.local(lake).ids(table)


def _quarantine(lake: Path) -> list[dict[str, Any]]:
    return LakeReader.local(lake).quarantine()


@dataclass(frozen=True)
class FirstRun:
    """Step 1, run once by the fixture (so any test may run alone): what went in, and the
    lake as a reader saw it right after (later steps add to the same lake)."""

    prefix: str
    home: Path
    expected: dict[str, set[str]]  # event ids per table
    bad: dict[bytes, str]  # malformed message -> the reason code it must be quarantined with
    quarantined_count: int  # as the job reported it
    landed: dict[str, list[str]]  # event ids per table, as read back
    quarantine: list[dict[str, Any]]
    tables: dict[str, list[dict[str, Any]]]  # rows per table
    batch_times: set[datetime]  # the micro-batches' timestamps (Spark's offset log)


@pytest.fixture(scope="module")
def first_run(spark: Any, kafka_broker: Any, tmp_path_factory: pytest.TempPathFactory) -> FirstRun:
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    create_topics(kafka_broker.bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=2)
    home = tmp_path_factory.mktemp("job")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    sim = simulated(start, 120)
    v0 = {topic: json.dumps(msg).encode() for topic, (msg, _) in SAMPLES.items()}
    bad = bad_messages()
    messages = [(prefix + t, k, v) for t, rows in sim.items() for k, v in rows]
    messages += [(prefix + t, None, v) for t, v in v0.items()]
    messages += [(prefix + "vehicle_data", None, v) for v in bad]
    duplicates = [(prefix + t, k, v) for t, rows in sim.items() for k, v in rows[:10]]
    produce(kafka_broker.bootstrap, messages + duplicates)

    result = run(job_args(kafka_broker.bootstrap, prefix, home), spark=spark)

    lake = home / "lake"
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return FirstRun(
        prefix=prefix,
        home=home,
        expected={
            t: {json.loads(v)["event_id"] for _, v in sim[t]} | {SAMPLES[t][1]["event_id"]}
            for t in TOPIC_NAMES
        },
        bad=bad,
        quarantined_count=result.quarantined,
        landed={t: _lake_ids(lake, t) for t in TOPIC_NAMES},
        quarantine=_quarantine(lake),
        tables={
            t: ds.dataset(str(lake / t), partitioning="hive").to_table().to_pylist()
            for t in TOPIC_NAMES
        },
        batch_times={
            epoch
            + timedelta(milliseconds=json.loads(p.read_text().splitlines()[1])["batchTimestampMs"])
            for p in (home / "checkpoint" / "offsets").iterdir()
            if p.name.isdigit()
        },
    )


def test_first_run_lands_everything_exactly_once(first_run: FirstRun) -> None:
    for topic in TOPIC_NAMES:
        landed = first_run.landed[topic]
        assert len(landed) == len(set(landed)), f"duplicates in {topic}"
        assert set(landed) == first_run.expected[topic], topic
    assert first_run.quarantined_count == len(first_run.bad)

    quarantined = {bytes(row["raw_value"]): row for row in first_run.quarantine}
    assert set(quarantined) == set(first_run.bad)
    for raw, code in first_run.bad.items():
        row = quarantined[raw]
        assert row["reason"].startswith(code), (row["reason"], code)
        assert row["topic"] == first_run.prefix + "vehicle_data"
        assert row["kafka_offset"] is not None
    # the processing clock is the micro-batch's timestamp, as Spark's offset log keeps it
    # (so a replay routes the same): the sink hands it to the Python workers
    assert {row["quarantined_at"] for row in quarantined.values()} <= first_run.batch_times

    # v0 rows are normalised (tutorial vehicle: compass word -> heading, position split)
    v0_row = next(r for r in first_run.tables["vehicle_data"] if r["schema_version"] == 0)
    assert v0_row["heading_deg"] == 45.0 and v0_row["latitude"] == 51.5174
    # every row sits in the partition of its event time, in UTC
    for rows in first_run.tables.values():
        for row in rows:
            ts = row["ts"].astimezone(UTC)
            assert (str(row["dt"]), int(row["hr"])) == (ts.strftime("%Y-%m-%d"), ts.hour), row


def test_restart_from_checkpoint_loses_and_duplicates_nothing(
    spark: Any, kafka_broker: Any, first_run: FirstRun
) -> None:
    prefix, home = first_run.prefix, first_run.home
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=18)
    sim = simulated(start, 60)
    produce(
        kafka_broker.bootstrap, [(prefix + t, k, v) for t, rows in sim.items() for k, v in rows]
    )

    run(job_args(kafka_broker.bootstrap, prefix, home), spark=spark)

    for topic in TOPIC_NAMES:
        expected = first_run.expected[topic] | {json.loads(v)["event_id"] for _, v in sim[topic]}
        landed = _lake_ids(home / "lake", topic)
        assert len(landed) == len(set(landed)), f"duplicates in {topic}"
        assert set(landed) == expected, topic


def test_kill_9_mid_batch_then_restart_leaves_no_duplicate_or_orphan(
    spark: Any, kafka_broker: Any, tmp_path: Path
) -> None:
    prefix = f"k{uuid.uuid4().hex[:8]}-"
    create_topics(kafka_broker.bootstrap, [prefix + t for t in TOPIC_NAMES], partitions=2)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    sim = simulated(start, 600)
    produce(
        kafka_broker.bootstrap, [(prefix + t, k, v) for t, rows in sim.items() for k, v in rows]
    )
    args = job_args(kafka_broker.bootstrap, prefix, tmp_path)
    argv = glue_argv(args, "--max_offsets_per_trigger", "400")
    jars = str(LocalPaths.from_env().jars)  # the shared jar cache, whatever the home
    env = {**os.environ, "VTS_HOME": str(tmp_path / "home"), "VTS_JARS_DIR": jars}
    # the sink stops in batch 1 after publishing its first file, and is killed there
    kill_at(argv, env, "renamed:1@1", tmp_path)
    lake = tmp_path / "lake"

    # killed mid-publish: some of batch 1 is visible, nothing partial, nothing twice
    visible = _visible_files(lake)
    assert any("/b0000000001-" in f"/{p.name}" for p in visible)
    for path in visible:
        pq.read_metadata(path)  # a complete Parquet file
    for topic in TOPIC_NAMES:
        landed = _lake_ids(lake, topic)
        assert len(landed) == len(set(landed)), f"duplicates in {topic} after kill -9"

    run(job_args(kafka_broker.bootstrap, prefix, tmp_path), spark=spark)

    for topic in TOPIC_NAMES:
        landed = _lake_ids(lake, topic)
        assert len(landed) == len(set(landed)), f"duplicates in {topic} after the restart"
        assert set(landed) == {json.loads(v)["event_id"] for _, v in sim[topic]}, topic
    # no orphans: every visible file has its deterministic name, one per table partition
    # and batch, and the staging of the killed attempt is gone
    names = [p.name for p in _visible_files(lake)]
    assert all(NAME.match(n) for n in names), names
    per_batch = Counter(NAME.match(n).group("key") for n in names)  # type: ignore[union-attr]
    assert set(per_batch.values()) == {1}
    assert not list((lake / "_staging").rglob("*.parquet"))


def _visible_files(lake: Path) -> list[Path]:
    """The Parquet files a Hive-style reader lists (no ``_``/``.``-prefixed path parts)."""
    return [
        p
        for p in lake.rglob("*.parquet")
        if not any(part.startswith(("_", ".")) for part in p.relative_to(lake).parts)
    ]
