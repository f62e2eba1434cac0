"""How long the job remembers an ``event_id`` (``--watermark``), on the real broker and
Spark: in one streaming run, its micro-batches brought by messages produced at chosen
moments, and over a chain of catch-up runs of one batch each.

A duplicate within ``--watermark`` of the first copy is dropped; once the watermark has
passed it, and a batch has let Spark evict the key, the same ``event_id`` is written
again: the state holds a key for ``--watermark``, not twice that (which would double the
state every batch's eviction reads).
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.stream.jobs import LakeReader, job_args, produce, simulated
from vts.kafka.admin import create_topics
from vts.stream.args import JobArgs
from vts.stream.job import run
from vts.stream.sink import BatchReport

pytestmark = pytest.mark.integration

WATERMARK_S = 16
BATCH_WAIT_S = 120.0


class Stream(NamedTuple):
    """A topic of its own, one event sent first, the events to send after it, and the
    job's arguments (``--watermark`` of ``WATERMARK_S``)."""

    topic: str
    first: tuple[bytes, bytes]
    first_id: str
    fillers: Iterator[tuple[bytes, bytes]]
    args: JobArgs


def _stream(bootstrap: str, home: Path, **kw: Any) -> Stream:
    prefix = f"w{uuid.uuid4().hex[:8]}-"
    topic = prefix + "vehicle_data"
    create_topics(bootstrap, [topic], partitions=1)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    rows = simulated(start, 60)["vehicle_data"]
    args = job_args(
        bootstrap,
        prefix,
        home,
        topics=("vehicle_data",),
        watermark=f"{WATERMARK_S} seconds",
        **kw,
    )
    return Stream(topic, rows[0], json.loads(rows[0][1])["event_id"], iter(rows[1:]), args)


def test_a_key_is_remembered_for_the_watermark_not_twice_it(
    spark: Any, kafka_broker: Any, tmp_path: Path
) -> None:
    streaming = {"trigger_seconds": 1, "available_now": False}
    topic, first, first_id, fillers, args = _stream(kafka_broker.bootstrap, tmp_path, **streaming)
    done: queue.Queue[BatchReport] = queue.Queue()
    job = threading.Thread(
        target=run, args=(args,), kwargs={"spark": spark, "on_batch": done.put, "max_batches": 5}
    )
    job.start()

    def batch(*messages: tuple[bytes, bytes]) -> float:
        """One micro-batch of ``messages``; when it had committed."""
        produce(kafka_broker.bootstrap, [(topic, k, v) for k, v in messages])
        done.get(timeout=BATCH_WAIT_S)
        return time.monotonic()

    try:
        first_done = batch(first)  # the key's first copy is ingested before this
        batch(first, next(fillers))  # a duplicate within the watermark: dropped
        assert time.monotonic() - first_done < WATERMARK_S, "too slow to judge: rerun"
        time.sleep(max(0.0, first_done + WATERMARK_S + 1 - time.monotonic()))
        # this batch's ingest time is more than the watermark after the first copy's, so
        # Spark's watermark moves past the key's expiry; the next batch evicts the key
        # (after its own lookups), and then a copy is new again
        batch(next(fillers))
        batch(next(fillers))
        assert time.monotonic() - first_done < 2 * WATERMARK_S, "too slow to judge: rerun"
        batch(first, next(fillers))
    finally:
        job.join(BATCH_WAIT_S)
    ids = LakeReader.local(tmp_path / "lake").ids("vehicle_data")
    assert ids.count(first_id) == 2  # remembered for the watermark, not twice it
    assert len(ids) == 2 + 4  # the fillers, each once


def test_a_chain_of_one_batch_catch_up_runs_forgets_a_key_too(
    spark: Any, kafka_broker: Any, tmp_path: Path
) -> None:
    """Each ``--available_now`` run here reads one batch; the runs still move the dedup
    watermark on (each ends with a batch that moves it), so the key is forgotten."""
    topic, first, first_id, fillers, args = _stream(kafka_broker.bootstrap, tmp_path)

    def catch_up(*messages: tuple[bytes, bytes]) -> int:
        """A catch-up run over ``messages``: the lake's copies of the first event then."""
        produce(kafka_broker.bootstrap, [(topic, k, v) for k, v in messages])
        run(args, spark=spark)
        return LakeReader.local(tmp_path / "lake").ids("vehicle_data").count(first_id)

    assert catch_up(first) == 1
    first_done = time.monotonic()  # the first copy was ingested before this
    assert catch_up(first, next(fillers)) == 1  # within the watermark: dropped
    assert time.monotonic() - first_done < WATERMARK_S, "too slow to judge: rerun"
    time.sleep(max(0.0, first_done + WATERMARK_S + 1 - time.monotonic()))
    assert catch_up(next(fillers)) == 1  # its last batch evicts the key
    assert catch_up(first, next(fillers)) == 2
