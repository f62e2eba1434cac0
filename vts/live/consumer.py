"""The live consumer's core: one MSK event in, the store updated, numbers out.

``LiveConsumer(store).handle(event)`` reads the event's records (``vts.live.esm``),
judges each value with the contract's reader (``vts.contract.reader``: the job's rules,
one message at a time), skips and counts the invalid ones (the streaming job quarantines
them), coalesces the rest to one state per vehicle and incident (``vts.live.coalesce``)
and writes them in pipelined round trips (``vts.live.store``): one for a small batch, one
per part of a large one, each sent while the next part is decoded; with ``alerts``, the
rules then run on the whole batch (``vts.live.alerts``). It returns a
``BatchReport``; the Lambda entry point turns it into metrics. No message can make it
raise; a store that does not answer does (the mapping then retries the batch, which the
store's newest-wins rule makes harmless).
"""

from __future__ import annotations

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
from vts.live.esm import EsmRecord, read_records
from vts.live.states import INCIDENT_TOPIC, VEHICLE_TOPICS, IncidentState, VehicleState
from vts.live.store import LiveStore, WriteResult

logger = logging.getLogger(__name__)

LIVE_TOPICS = (*VEHICLE_TOPICS, INCIDENT_TOPIC)
GROUPS = 4  # parts of a large batch, written while the next part is decoded
GROUP_ABOVE = 2_000  # records; a smaller batch is one part


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

        A large batch is split by record key (the entity's id: a vehicle's records share
        it across topics) into ``GROUPS`` parts; each part's writes go to the store from a
        background thread while the next part is decoded, so the store's work overlaps
        the decoding. Every write has returned before ``handle`` does."""
        report = BatchReport()
        now = utc_now()
        records = list(read_records(event))
        report.records = len(records)
        stamps = [r.timestamp_ms for r in records if r.timestamp_ms is not None]
        wall_ms = time.time() * 1000
        if stamps:
            report.max_record_age_s = round((wall_ms - min(stamps)) / 1000, 3)
            report.min_record_age_s = round((wall_ms - max(stamps)) / 1000, 3)
        meta = {"batch_at_ms": str(round(wall_ms)), "records": str(report.records)}
        if stamps:
            meta["newest_record_ms"] = str(max(stamps))
        meta["consumer_lag"] = "" if consumer_lag is None else str(consumer_lag)
        groups = _by_key(records, GROUPS if len(records) >= GROUP_ABOVE else 1)
        writes: list[Future[WriteResult]] = []
        batch_vehicles: list[VehicleState] = []
        batch_incidents: list[IncidentState] = []
        clocks: dict[str, int] = {}
        for n, group in enumerate(groups):
            coalescer = self._coalesce(group, now, report)
            batch_vehicles += coalescer.vehicles.values()
            batch_incidents += coalescer.incidents.values()
            for (topic, partition), t_us in coalescer.clocks.items():
                name = f"{topic}-{partition}"
                clocks[name] = max(clocks.get(name, 0), t_us // 1000)
            report.vehicles += len(coalescer.vehicles)
            report.incidents += len(coalescer.incidents)
            last = n == len(groups) - 1
            writes.append(
                self._writer().submit(
                    self.store.write,
                    list(coalescer.vehicles.values()),
                    list(coalescer.incidents.values()),
                    meta=meta if last else None,
                    sweep=last,
                )
            )
        for write in writes:  # all of them, in order: the first failure is raised
            result = write.result()
            report.written += result.written
            report.older += result.older
            report.stale += result.stale
            report.incidents_written += result.incidents_written
        if self.alerts is not None:  # after the states: a kill in between is a retry
            alerts = self.alerts.run(batch_vehicles, batch_incidents, clocks)
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

    def _coalesce(self, records: list[EsmRecord], now: datetime, report: BatchReport) -> Coalescer:
        """Judge ``records`` and coalesce the valid ones (counts into ``report``)."""
        coalescer = Coalescer()
        topics = self._topics
        for record in records:
            if record.problem is not None:
                report.invalid += 1
                report.reasons[record.problem.split(":", 1)[0]] += 1
                continue
            topic = topics.get(record.topic, "")
            if topic == "":
                topic = topics[record.topic] = self._topic(record.topic)
            if topic is None:
                report.ignored += 1
                continue
            reason, value = self._readers[topic].read(record.value, now)
            if value is None:
                report.invalid += 1
                report.reasons[(reason or "invalid").split(":", 1)[0]] += 1
                continue
            report.valid += 1
            if not coalescer.add(topic, value, (record.topic, record.partition)):
                report.ignored += 1
        return coalescer

    def close(self) -> None:
        """Stop the writer thread (the store's connections are the store's to close)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


def _by_key(records: list[EsmRecord], groups: int) -> list[list[EsmRecord]]:
    """``records`` in ``groups`` parts by key (records without a key in the first)."""
    if groups == 1:
        return [records]
    parts: list[list[EsmRecord]] = [[] for _ in range(groups)]
    for record in records:
        key = record.key
        parts[hash(key) % groups if key is not None else 0].append(record)
    return [part for part in parts if part] or [[]]
