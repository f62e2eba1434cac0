"""How long the job remembers an ``event_id`` (``--watermark``), on the real broker and
Spark, run after run from one checkpoint as a restarted job runs.

A duplicate within ``--watermark`` of the first copy is dropped; once the watermark has
passed it, and a batch has let Spark evict the key, the same ``event_id`` is written
again: the state holds a key for ``--watermark``, not twice that (which would double the
state every batch's eviction reads).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.stream.jobs import LakeReader, produce, simulated
from vts.kafka.admin import create_topics
from vts.stream.args import JobArgs
from vts.stream.job import run

pytestmark = pytest.mark.integration

WATERMARK_S = 16


def test_a_key_is_remembered_for_the_watermark_not_twice_it(
    spark: Any, kafka_broker: Any, tmp_path: Path
) -> None:
    prefix = f"w{uuid.uuid4().hex[:8]}-"
    topic = prefix + "vehicle_data"
    create_topics(kafka_broker.bootstrap, [topic], partitions=1)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    rows = simulated(start, 60)["vehicle_data"]
    first, fillers = rows[0], iter(rows[1:])
    args = JobArgs(
        bootstrap_servers=kafka_broker.bootstrap,
        output_path=str(tmp_path / "lake"),
        quarantine_path=str(tmp_path / "lake" / "quarantine"),
        checkpoint_path=str(tmp_path / "checkpoint"),
        topic_prefix=prefix,
        topics=("vehicle_data",),
        available_now=True,
        catalog="none",
        watermark=f"{WATERMARK_S} seconds",
    )
    first_id = json.loads(first[1])["event_id"]

    def batch(*messages: tuple[bytes, bytes]) -> int:
        """One run of the job over ``messages``; how many copies of the first event the
        lake then holds."""
        produce(kafka_broker.bootstrap, [(topic, k, v) for k, v in messages])
        run(args, spark=spark)
        return LakeReader.local(tmp_path / "lake").ids("vehicle_data").count(first_id)

    began = time.monotonic()
    assert batch(first) == 1
    assert batch(first, next(fillers)) == 1  # a duplicate within the watermark: dropped
    assert time.monotonic() - began < WATERMARK_S, "too slow to judge: rerun on a quieter machine"
    time.sleep(max(0.0, began + WATERMARK_S + 1 - time.monotonic()))
    # the first copy is now older than the watermark: a batch moves Spark's watermark past
    # it, the next one evicts the key (after its own lookups), and then a copy is new
    assert batch(next(fillers)) == 1
    assert batch(next(fillers)) == 1
    assert time.monotonic() - began < 2 * WATERMARK_S, "too slow to judge: rerun"
    assert batch(first, next(fillers)) == 2  # remembered for the watermark, not twice it
