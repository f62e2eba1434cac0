"""The live consumer's core: one MSK event in, the store updated, numbers out.

``LiveConsumer(store).handle(event)`` reads the event's records a topic at a time
(``vts.live.esm.read_columns``), judges each topic's values with the contract's reader
(``vts.contract.reader.MessageReader.read_many``: the job's rules, 256 messages per
decoder call), skips and counts the invalid ones (the streaming job quarantines them),
coalesces the rest to one state per vehicle and incident (``vts.live.coalesce``) and
writes them in pipelined round trips (``vts.live.store``): one for a small batch, one per
part of a large one, each sent while the next part is encoded; with ``alerts``, the
rules then run on the whole batch (``vts.live.alerts``). It returns a
``BatchReport``; the Lambda entry point turns it into metrics. No message can make it
raise; a store that does not answer does (the mapping then retries the batch, which the
store's newest-wins rule makes harmless).
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from vts.contract.reader import MessageReader, utc_now
from vts.live.alerts import LiveAlerts
from vts.live.coalesce import Coalescer
from vts.live.esm import EventColumns, read_columns
from vts.live.states import INCIDENT_TOPIC, VEHICLE_TOPICS
from vts.live.store import LiveStore, WriteResult

logger = logging.getLogger(__name__)

LIVE_TOPICS = (*VEHICLE_TOPICS, INCIDENT_TOPIC)
GROUPS = 4  # parts of a large batch, each written while the next part is encoded
GROUP_ABOVE = 1_000  # vehicles; a smaller batch is one part


@dataclass
class BatchReport:
    """What one batch did. Ages are by this process's clock, from the records' Kafka
    timestamps: ``max_record_age_s`` is how far behind the batch's oldest record is (the
    lag the alarm watches)."""

    records: int = 0
    valid: int = 0
    invalid: int = 0
    ignored: int = 0
    vehicles: int = 0
    written: int = 0
    older: int = 0
    stale: int = 0
    incidents: int = 0
    incidents_written: int = 0
    alerts_changed: int = 0  # alerts written anew (vts.live.alerts; 0 without it)
    silent_raised: int = 0  # of which silences the batch's sweep raised
    max_record_age_s: float | None = None
    min_record_age_s: float | None = None
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "reasons"}
        out["reasons"] = dict(self.reasons)
        return out


class LiveConsumer:
    """The handler core over one store; readers are made once per topic."""

    def __init__(
        self,
        store: LiveStore,
        *,
        topic_prefix: str | None = None,
        alerts: LiveAlerts | None = None,
    ) -> None:
        self.store = store
        self.alerts = alerts
        settings = store.settings
        self.topic_prefix = settings.topic_prefix if topic_prefix is None else topic_prefix
        self._readers = {t: MessageReader(t, v0_timezone=settings.v0_timezone) for t in LIVE_TOPICS}
        self._topics: dict[str, str | None] = {}  # Kafka topic name -> contract topic
        self._executor: ThreadPoolExecutor | None = None

    def _topic(self, name: str) -> str | None:
        """The contract topic a Kafka topic name carries (the prefix stripped)."""
        prefix = self.topic_prefix
        if prefix:
            if not name.startswith(prefix):
                return None
            name = name[len(prefix) :]
        return name if name in self._readers else None

    def handle(self, event: Any, *, consumer_lag: int | None = None) -> BatchReport:
        """Apply one event to the store. ``consumer_lag`` (records behind the end of the
        partitions, when the caller knows it) is recorded for ``/health``.

        The batch is read, judged and coalesced whole (``coalesce``); a batch of
        ``GROUP_ABOVE`` vehicles or more is then written in ``GROUPS`` parts, each part's
        pipeline sent from a background thread while the next part is encoded, so the
        store's work overlaps the encoding. Every write has returned before ``handle``
        does.

        The cyclic garbage collector is paused meanwhile (as the job's validator pauses
        it): a batch makes tens of thousands of objects that form no cycles, and the
        collector would scan them, and whatever else the process holds, over and over."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._handle(event, consumer_lag)
        finally:
            if enabled:
                gc.enable()

    def _handle(self, event: Any, consumer_lag: int | None) -> BatchReport:
        report = BatchReport()
        now = utc_now()
        columns = read_columns(event)
        report.records = columns.count
        stamps = columns.timestamps
        wall_ms = time.time() * 1000
        if stamps:
            report.max_record_age_s = round((wall_ms - min(stamps)) / 1000, 3)
            report.min_record_age_s = round((wall_ms - max(stamps)) / 1000, 3)
        meta = {"batch_at_ms": str(round(wall_ms)), "records": str(report.records)}
        if stamps:
            meta["newest_record_ms"] = str(max(stamps))
        meta["consumer_lag"] = "" if consumer_lag is None else str(consumer_lag)
        coalescer = self.coalesce(columns, now, report)
        vehicles = list(coalescer.vehicles.values())
        incidents = list(coalescer.incidents.values())
        report.vehicles, report.incidents = len(vehicles), len(incidents)
        parts = GROUPS if len(vehicles) >= GROUP_ABOVE else 1
        size = -(-len(vehicles) // parts)
        writes: list[Future[WriteResult]] = []
        for n in range(parts):
            last = n == parts - 1
            prepared = self.store.prepare(
                vehicles[n * size : (n + 1) * size],
                incidents if last else (),
                meta=meta if last else None,
                sweep=last,
            )
            writes.append(self._writer().submit(self.store.send, prepared))
        for write in writes:  # all of them, in order: the first failure is raised
            result = write.result()
            report.written += result.written
            report.older += result.older
            report.stale += result.stale
            report.incidents_written += result.incidents_written
        if self.alerts is not None:  # after the states: a kill in between is a retry
            clocks = {f"{t}-{p}": t_us // 1000 for (t, p), t_us in coalescer.clocks.items()}
            alerts = self.alerts.run(vehicles, incidents, clocks)
            report.alerts_changed, report.silent_raised = alerts.changed, alerts.silent
        if report.invalid:
            logger.info("skipped %d invalid records: %s", report.invalid, dict(report.reasons))
        return report

    def sweep(self) -> int:
        """Raise the silences due by the stream's clock without a batch (the topics are
        quiet: ``vts live run`` between batches, a schedule on AWS); the number raised."""
        return 0 if self.alerts is None else self.alerts.sweep()

    def _writer(self) -> ThreadPoolExecutor:
        """One thread that sends the writes (made on first use; its writes run in order)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-write")
        return self._executor

    def coalesce(self, columns: EventColumns, now: datetime, report: BatchReport) -> Coalescer:
        """Judge an event's records (each topic's in one ``read_many``) and coalesce the
        valid ones; the counts go into ``report``."""
        coalescer = Coalescer()
        for problem in columns.problems:
            report.invalid += 1
            report.reasons[problem.split(":", 1)[0]] += 1
        topics = self._topics
        for (name, partition), values in columns.values.items():
            topic = topics.get(name, "")
            if topic == "":
                topic = topics[name] = self._topic(name)
            if topic is None:
                report.ignored += len(values)
                continue
            reasons, records = self._readers[topic].read_many(values, now)
            invalid = [reason for reason in reasons if reason is not None]
            for reason in invalid:
                report.reasons[reason.split(":", 1)[0]] += 1
            report.invalid += len(invalid)
            valid = len(values) - len(invalid)
            report.valid += valid
            report.ignored += valid - coalescer.add_many(topic, records, (name, partition))
        return coalescer

    def close(self) -> None:
        """Stop the writer thread (the store's connections are the store's to close)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
