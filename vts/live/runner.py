"""``vts live run``: the live consumer on a Kafka broker, fed as the MSK event source mapping
feeds the Lambda.

The emulation keeps what the handler can observe and what makes it correct:

- the same event (``vts.live.esm.build_event``): records grouped by ``<topic>-<partition>``
  in offset order, keys and values base64, Kafka timestamps in ms;
- batches closed by size (``batch_size`` records, or the 6 MB invocation payload) or by
  the batching window (``window_s`` after the batch's first record), whichever first;
- offsets committed (synchronously) only after the handler returned: a process killed
  mid-batch leaves that batch uncommitted, and the next run gets it again, which the
  store's newest-event-time-wins rule absorbs; a batch the handler raised on is not
  committed either, and the run stops (the mapping would retry it);
- its own consumer group, ``read_committed`` (the simulator writes in transactions).

With ``available_now`` the run stops once it has handled everything that was in the
topics when it started (each partition's end offset then), like Spark's trigger of that
name; otherwise it runs until SIGINT/SIGTERM, which finish the batch in hand first, and
while the topics are quiet it calls ``LiveConsumer.sweep`` every ``idle_sweep_s`` (the
silences that time passing decides; on AWS a schedule invokes the function for that).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vts.kafka.auth import KafkaAuth
from vts.kafka.auth.plaintext import PlaintextAuth
from vts.live.consumer import LIVE_TOPICS, BatchReport, LiveConsumer
from vts.live.esm import build_event, record_json
from vts.stopping import stop_on_signals

logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload limit
RECORD_OVERHEAD_BYTES = 200  # the JSON around one record's base64 key and value
DEFAULT_GROUP = "vts-live"


@dataclass(frozen=True)
class RunOptions:
    """How the emulated mapping polls. ``batch_size``/``window_s`` are the mapping's
    ``BatchSize`` and ``MaximumBatchingWindowInSeconds``."""

    bootstrap: str
    auth: KafkaAuth = field(default_factory=PlaintextAuth)
    group: str = DEFAULT_GROUP
    topic_prefix: str = ""
    batch_size: int = 2_000
    window_s: float = 0.5
    available_now: bool = False
    max_batches: int | None = None
    idle_sweep_s: float = 5.0

    @property
    def topics(self) -> list[str]:
        return [self.topic_prefix + t for t in LIVE_TOPICS]


@dataclass
class RunTotals:
    batches: int = 0
    records: int = 0
    valid: int = 0
    invalid: int = 0
    written: int = 0
    consumer_lag: int | None = None

    def add(self, report: BatchReport) -> None:
        self.batches += 1
        self.records += report.records
        self.valid += report.valid
        self.invalid += report.invalid
        self.written += report.written

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


Progress = Callable[[RunTotals], None]


def run_command(
    broker: str, live_url: str, topic_prefix: str, *, group: str, **options: Any
) -> list[str]:
    """The argv of ``vts live run`` in this interpreter, for tools that run it as a
    process (the benchmarks, ``vts chaos``): ``options`` become flags (``lake=p`` ->
    ``--lake p``; ``True`` -> the bare flag; ``False``/``None`` -> left out)."""
    argv = [sys.executable, "-m", "vts.cli.main", "live", "run"]
    argv += ["--broker", broker, "--live-url", live_url, "--topic-prefix", topic_prefix]
    argv += ["--group", group]
    for name, value in options.items():
        flag = f"--{name.replace('_', '-')}"
        if value is True:
            argv.append(flag)
        elif value is not None and value is not False:
            argv += [flag, str(value)]
    return argv


def _headers(message: Any) -> list[tuple[str, bytes]]:
    return [(name, value or b"") for name, value in message.headers() or ()]


class EventSourceEmulator:
    """Polls the live topics and invokes ``LiveConsumer.handle`` with mapping-shaped events."""

    def __init__(self, handler: LiveConsumer, options: RunOptions) -> None:
        from confluent_kafka import Consumer

        self.handler = handler
        self.options = options
        self.consumer = Consumer(
            {
                "bootstrap.servers": options.bootstrap,
                **options.auth.producer_config(),
                "group.id": options.group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
                "enable.partition.eof": True,
            }
        )
        self._ends: dict[tuple[str, int], int] = {}
        self._eof: set[tuple[str, int]] = set()
        self._done: dict[tuple[str, int], int] = {}  # the next offset, committed
        self._held: Any = None

    def _end_offsets(self) -> dict[tuple[str, int], int]:
        """Each live partition's end offset now (``available_now``'s goal)."""
        from confluent_kafka import TopicPartition

        metadata = self.consumer.list_topics(timeout=30)
        ends = {}
        for topic in self.options.topics:
            info = metadata.topics.get(topic)
            if info is None or info.error is not None:
                continue
            for partition in info.partitions:
                _, high = self.consumer.get_watermark_offsets(
                    TopicPartition(topic, partition), timeout=30
                )
                ends[(topic, partition)] = high
        return ends

    def _caught_up(self) -> bool:
        """Every partition handled up to its end offset at the start (or at its end now:
        past a transaction's commit marker, the last offset holds no record)."""
        done = self._done
        return all(
            end == 0 or tp in self._eof or done.get(tp, 0) >= end for tp, end in self._ends.items()
        )

    def _lag(self) -> int | None:
        """Records behind the partitions' ends (cached watermarks: no broker round trip)."""
        try:
            assignment = self.consumer.assignment()
            positions = self.consumer.position(assignment)
        except Exception:  # a rebalance in progress: unknown this time
            return None
        lag = 0
        for tp in positions:
            _, high = self.consumer.get_watermark_offsets(tp, cached=True)
            if high < 0 or tp.offset < 0:
                return None
            lag += max(0, high - tp.offset)
        return lag

    def _batch(self, stop: threading.Event) -> list[Any]:
        """Messages up to ``batch_size``/6 MB, or what came within the window."""
        from confluent_kafka import KafkaError, KafkaException

        opts, size = self.options, 0
        batch: list[Any] = []
        deadline: float | None = None
        idle_until = time.monotonic() + opts.idle_sweep_s
        while len(batch) < opts.batch_size and not stop.is_set():
            wait = 0.2 if deadline is None else max(0.0, deadline - time.monotonic())
            if deadline is not None and wait == 0:
                break
            message = self.consumer.poll(wait)
            if message is None:
                if deadline is None and (not opts.available_now or not self._caught_up()):
                    if not opts.available_now and time.monotonic() >= idle_until:
                        break  # quiet: back to run(), which sweeps
                    continue
                break
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    self._eof.add((str(message.topic()), message.partition() or 0))
                    continue
                if error.code() == KafkaError.UNKNOWN_TOPIC_OR_PART:
                    continue  # a topic not created yet
                raise KafkaException(error)
            self._eof.discard((message.topic(), message.partition()))
            value, key = message.value(), message.key()
            size += RECORD_OVERHEAD_BYTES + 4 * (len(value or b"") + len(key or b"")) // 3
            if batch and size > MAX_PAYLOAD_BYTES:
                self._held = message
                break
            batch.append(message)
            if deadline is None:
                deadline = time.monotonic() + opts.window_s
        return batch

    def run(self, progress: Progress | None = None, *, progress_every_s: float = 2.0) -> RunTotals:
        """Poll, invoke, commit until stopped (or caught up with ``available_now``)."""
        from confluent_kafka import TopicPartition

        opts, totals = self.options, RunTotals()
        if opts.available_now:
            self._ends = self._end_offsets()
        self.consumer.subscribe(opts.topics)
        shown = time.monotonic()
        try:
            with stop_on_signals() as stop:
                while not stop.is_set():
                    if opts.max_batches is not None and totals.batches >= opts.max_batches:
                        break
                    held, self._held = self._held, None
                    batch = ([held] if held is not None else []) + self._batch(stop)
                    if not batch:
                        if opts.available_now and self._caught_up():
                            break
                        if not opts.available_now and not stop.is_set():
                            self.handler.sweep()
                        continue
                    lag = self._lag()
                    event = build_event(
                        record_json(
                            m.topic(),
                            m.partition(),
                            m.offset(),
                            m.timestamp()[1],
                            m.key(),
                            m.value(),
                            _headers(m),
                        )
                        for m in batch
                    )
                    report = self.handler.handle(event, consumer_lag=lag)
                    ends: dict[tuple[str, int], int] = {}
                    for m in batch:
                        tp = (m.topic(), m.partition())
                        ends[tp] = max(ends.get(tp, -1), m.offset() + 1)
                    self.consumer.commit(
                        offsets=[TopicPartition(t, p, o) for (t, p), o in ends.items()],
                        asynchronous=False,
                    )
                    self._done.update(ends)
                    totals.add(report)
                    totals.consumer_lag = lag
                    if progress is not None and time.monotonic() - shown >= progress_every_s:
                        progress(totals)
                        shown = time.monotonic()
                    if opts.available_now and self._held is None and self._caught_up():
                        break
        finally:
            self.consumer.close()
        if progress is not None:
            progress(totals)
        return totals
