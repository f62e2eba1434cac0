"""Ctrl-C on ``vts job run``: the query stops between micro-batches, so no task is
interrupted (Spark logs each killed Python worker as a crash); a second Ctrl-C stops it at
once. The real job stopping on SIGINT: tests/cli/test_stopping.py."""

from __future__ import annotations

import threading
from typing import Any

from vts.stream.job import _stop_between_batches


class Query:
    """What ``_stop_between_batches`` reads of a StreamingQuery: a batch that runs for
    ``polls`` status reads, then ends."""

    def __init__(self, polls: int) -> None:
        self.polls = polls
        self.isActive = True
        self.stopped_mid_batch: bool | None = None

    @property
    def status(self) -> dict[str, Any]:
        self.polls -= 1
        return {"isTriggerActive": self.polls > 0}

    def stop(self) -> None:
        self.stopped_mid_batch = self.polls > 0
        self.isActive = False


def test_ctrl_c_waits_for_the_batch_in_flight() -> None:
    query, stop = Query(polls=5), threading.Event()
    stop.set()  # the first Ctrl-C
    _stop_between_batches(query, stop)  # type: ignore[arg-type]
    assert query.stopped_mid_batch is False


def test_a_second_ctrl_c_stops_mid_batch() -> None:
    query, stop = Query(polls=10**9), threading.Event()
    threading.Timer(0.2, stop.set).start()  # Ctrl-C again while the batch runs
    _stop_between_batches(query, stop)  # type: ignore[arg-type]
    assert query.stopped_mid_batch is True
