"""The live consumer's core: one MSK event in, the store updated, numbers out.

``LiveConsumer(store).handle(event)`` reads the event's records (``vts.live.esm``),
judges each value with the contract's reader (``vts.contract.reader``: the job's rules,
one message at a time), skips and counts the invalid ones (the streaming job quarantines
them), coalesces the rest to one state per vehicle and incident (``vts.live.coalesce``)
and writes them in one pipelined round trip (``vts.live.store``); with ``alerts``, the
rules then run on the batch (``vts.live.alerts``). It returns a
``BatchReport``; the Lambda entry point turns it into metrics. No message can make it
raise; a store that does not answer does (the mapping then retries the batch, which the
store's newest-wins rule makes harmless).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vts.contract.reader import MessageReader, utc_now
from vts.live.alerts import LiveAlerts
from vts.live.coalesce import Coalescer
from vts.live.esm import read_records
from vts.live.states import INCIDENT_TOPIC, VEHICLE_TOPICS
from vts.live.store import LiveStore

logger = logging.getLogger(__name__)

LIVE_TOPICS = (*VEHICLE_TOPICS, INCIDENT_TOPIC)


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
        partitions, when the caller knows it) is recorded for ``/health``."""
        report = BatchReport()
        coalescer = Coalescer()
        now = utc_now()
        newest_ms: int | None = None
        oldest_ms: int | None = None
        topics: dict[str, str | None] = {}
        for record in read_records(event):
            report.records += 1
            if record.timestamp_ms is not None:
                ts = record.timestamp_ms
                newest_ms = ts if newest_ms is None or ts > newest_ms else newest_ms
                oldest_ms = ts if oldest_ms is None or ts < oldest_ms else oldest_ms
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
            if not coalescer.add(topic, value):
                report.ignored += 1
        report.vehicles, report.incidents = len(coalescer.vehicles), len(coalescer.incidents)
        wall_ms = time.time() * 1000
        if oldest_ms is not None and newest_ms is not None:
            report.max_record_age_s = round((wall_ms - oldest_ms) / 1000, 3)
            report.min_record_age_s = round((wall_ms - newest_ms) / 1000, 3)
        meta = {"batch_at_ms": str(round(wall_ms)), "records": str(report.records)}
        if newest_ms is not None:
            meta["newest_record_ms"] = str(newest_ms)
        meta["consumer_lag"] = "" if consumer_lag is None else str(consumer_lag)
        result = self.store.write(
            coalescer.vehicles.values(), coalescer.incidents.values(), meta=meta
        )
        report.written, report.older, report.stale = result.written, result.older, result.stale
        report.incidents_written = result.incidents_written
        if self.alerts is not None:  # after the states: a kill in between is a retry
            batch = self.alerts.run(coalescer.vehicles.values(), coalescer.incidents.values())
            report.alerts_changed = batch.changed
        if report.invalid:
            logger.info("skipped %d invalid records: %s", report.invalid, dict(report.reasons))
        return report
