"""The chaos verdict's orphan check over a lake the real job wrote in more micro-batches
than the sink keeps manifests of (``integration``: a real Kafka broker, real PySpark, the
lake read with pyarrow). Every file of every committed batch counts as published however
old the batch, and a file no batch's final attempt published is an orphan, however old
its partition."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.stream.jobs import job_args, messages, produce, simulated
from vts.chaos.lake import committed_batches, read_lake
from vts.chaos.verdict import judge
from vts.kafka.admin import create_topics
from vts.stream.args import JobArgs
from vts.stream.job import run
from vts.stream.ledger import KEEP_MANIFESTS

pytestmark = pytest.mark.integration
TABLES = ("vehicle_data", "gps_data")
PER_BATCH = 10  # records per micro-batch: 144 records make 15 batches


@pytest.fixture(scope="module")
def long_run(
    spark: Any, kafka_broker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobArgs, dict[str, set[str]]]]:
    """The job's lake after more batches than KEEP_MANIFESTS + 1, and the events sent."""
    home = tmp_path_factory.mktemp("long-run")
    prefix = f"v{uuid.uuid4().hex[:8]}-"
    create_topics(kafka_broker.bootstrap, [prefix + t for t in TABLES], partitions=1)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    sim = {t: rows for t, rows in simulated(start, 60).items() if t in TABLES}
    produce(kafka_broker.bootstrap, messages(prefix, sim))
    args = job_args(
        kafka_broker.bootstrap,
        prefix,
        home,
        topics=TABLES,
        max_offsets_per_trigger=PER_BATCH,
        shuffle_partitions=1,
    )
    run(args, spark=spark)
    yield args, {t: {json.loads(v)["event_id"] for _, v in rows} for t, rows in sim.items()}


def _view(args: JobArgs) -> Any:
    return read_lake(args.output_path, args.quarantine_path, args.checkpoint_path)


def test_a_run_longer_than_the_manifest_window_has_no_false_orphans(
    long_run: tuple[JobArgs, dict[str, set[str]]],
) -> None:
    args, sent = long_run
    assert committed_batches(args.checkpoint_path) > KEEP_MANIFESTS + 1
    assert len(list(Path(args.layout.manifest_dir).glob("*.json"))) <= KEEP_MANIFESTS + 1

    view = _view(args)
    verdict = judge(sent, view)

    assert verdict.ok, verdict.as_dict()
    assert verdict.total("rows") == sum(len(ids) for ids in sent.values())
    assert view.batches > KEEP_MANIFESTS + 1  # batches whose manifest is gone count too


def test_an_orphan_in_a_batch_older_than_every_kept_manifest_is_reported(
    long_run: tuple[JobArgs, dict[str, set[str]]],
) -> None:
    args, sent = long_run
    layout = args.layout
    assert not Path(layout.manifest_path(0)).exists()  # batch 0 left the window
    lake = Path(args.output_path)
    published = sorted(lake.glob("vehicle_data/dt=*/hr=*/b0000000000-*.parquet"))[0]
    # batch 0 published one file per table partition (-000); a copy as a second file, as a
    # replay that failed to remove an earlier attempt's file would leave
    orphan = published.with_name(published.name.replace("-000.parquet", "-001.parquet"))
    shutil.copyfile(published, orphan)
    try:
        view = _view(args)
    finally:
        orphan.unlink()

    assert view.orphans == [orphan.relative_to(lake).as_posix()]
    verdict = judge(sent, view)
    assert not verdict.ok and verdict.summary().startswith("lost=0 duplicated=")
    assert judge(sent, _view(args)).ok  # and without it the lake is clean again
