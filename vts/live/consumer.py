"""The live consumer's core: one MSK event in, the store updated, numbers out.

``LiveConsumer(store).handle(event)`` reads the event's records a topic at a time
(``vts.live.esm.read_columns``), judges each topic's values with the contract's reader
(``vts.contract.reader.MessageReader.read_many``: the job's rules, 256 messages per
decoder call), skips and counts the invalid ones (the streaming job quarantines them),
coalesces the rest to one state per vehicle and incident (``vts.live.coalesce``) and
writes them in pipelined round trips (``vts.live.store``): one for a small batch, one per
part of a large one (its partitions, so each vehicle is in one part), each sent while the
next part is decoded; with ``alerts``, the rules then run on the whole batch
(``vts.live.alerts``). It returns a
``BatchReport``; the Lambda entry point turns it into metrics. No message can make it
raise; a store that does not answer does (the mapping then retries the batch, which the
store's newest-wins rule makes harmless).
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
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
GROUPS = 4  # parts of a large batch, each written while the next part is decoded
GROUP_ABOVE = 1_000  # records; a smaller batch is one part
WRITE_VEHICLES = 1_000  # vehicles a round trip: each sent while the next is encoded
# How long the writer thread may wait for the interpreter while the batch is decoded (the
# interpreter's default, 5 ms, held each part's write back that long)
SWITCH_S = 0.0005
# the values of one Kafka topic and partition: (contract topic, (name, partition), values)
PartitionValues = tuple[str, tuple[str, int], Sequence[bytes | None]]


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
        self._parts = GROUPS  # 1 once a batch showed that its keys do not name vehicles

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

        A batch of ``GROUP_ABOVE`` records or more is judged and coalesced in up to
        ``GROUPS`` parts of its partitions (``coalesce_parts``: each vehicle in one part);
        a smaller one is one part. A part's vehicles the store holds no newer state of
        (``LiveStore.unbeaten``, one read) are written ``WRITE_VEHICLES`` a round trip,
        each sent from a background thread while the next is encoded or the next part
        decoded, so the store's work overlaps the handler's. Every write has returned
        before ``handle`` does.

        The cyclic garbage collector is paused meanwhile (as the job's validator pauses
        it): a batch makes tens of thousands of objects that form no cycles, and the
        collector would scan them, and whatever else the process holds, over and over.
        The interpreter's switch interval is ``SWITCH_S`` meanwhile, so a part's write is
        sent as soon as it is ready."""
        enabled = gc.isenabled()
        interval = sys.getswitchinterval()
        gc.disable()
        sys.setswitchinterval(SWITCH_S)
        try:
            return self._handle(event, consumer_lag)
        finally:
            sys.setswitchinterval(interval)
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
        parts = self._parts if report.records >= GROUP_ABOVE else 1
        writes: list[Future[WriteResult]] = []
        batch = Coalescer()  # the whole batch's states, for the rules
        for coalescer, last in self.coalesce_parts(columns, now, report, parts):
            incidents = list(coalescer.incidents.values())
            batch.absorb(coalescer)
            # only what the store does not already hold newer is encoded and sent
            vehicles, keys = self.store.unbeaten(list(coalescer.vehicles.values()))
            report.older += len(coalescer.vehicles) - len(vehicles)
            # the last part writes even with no vehicle: its incidents, meta and sweep
            starts = range(0, max(len(vehicles), 1 if last else 0), WRITE_VEHICLES)
            for at in starts:
                final = last and at == starts[-1]
                prepared = self.store.prepare(
                    vehicles[at : at + WRITE_VEHICLES],
                    incidents if final else (),
                    meta=meta if final else None,
                    sweep=final,
                    keys=keys[at : at + WRITE_VEHICLES],
                )
                writes.append(self._writer().submit(self.store.send, prepared))
        for write in writes:  # all of them, in order: the first failure is raised
            result = write.result()
            report.written += result.written
            report.older += result.older
            report.stale += result.stale
            report.incidents_written += result.incidents_written
        report.vehicles, report.incidents = len(batch.vehicles), len(batch.incidents)
        if self.alerts is not None:  # after the states: a kill in between is a retry
            clocks = {f"{t}-{p}": t_us // 1000 for (t, p), t_us in batch.clocks.items()}
            vehicles, incidents = list(batch.vehicles.values()), list(batch.incidents.values())
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
        ((coalescer, _),) = self.coalesce_parts(columns, now, report, 1)
        return coalescer

    def coalesce_parts(
        self, columns: EventColumns, now: datetime, report: BatchReport, parts: int
    ) -> Iterator[tuple[Coalescer, bool]]:
        """``coalesce`` a part at a time: the records of partitions numbered ``n`` modulo
        ``parts`` are judged and coalesced only when part ``n`` is asked for, so the
        caller writes a part while the next is decoded; each part comes with whether it
        is the last. The incidents come in the last part.

        The producers key a vehicle's messages by its id, so its records of every topic
        are in partitions of one number and each vehicle is in one part. A part that
        holds a vehicle of an earlier part shows they are not (keys that do not name the
        vehicle, as the tutorial's random ones): it and every part after it are then
        coalesced as one, the vehicles it shares with the written parts are written once
        more (harmless: the store keeps the newest), and this consumer splits no batch
        again."""
        for problem in columns.problems:
            report.invalid += 1
            report.reasons[problem.split(":", 1)[0]] += 1
        split: list[list[PartitionValues]] = [[] for _ in range(parts)]
        incidents: list[PartitionValues] = []
        for (name, partition), values in columns.values.items():
            topic = self._topics.get(name, "")
            if topic == "":
                topic = self._topics[name] = self._topic(name)
            if topic is None:
                report.ignored += len(values)
            elif topic == INCIDENT_TOPIC:
                incidents.append((topic, (name, partition), values))
            else:
                split[partition % parts].append((topic, (name, partition), values))
        groups = [part for part in split if part] or [[]]
        groups[-1] += incidents
        written: set[str] = set()  # the vehicles of the parts given out
        coalescer = Coalescer()
        for n, group in enumerate(groups):
            self._coalesce(coalescer, group, now, report)
            last = n == len(groups) - 1
            if not written.isdisjoint(coalescer.vehicles):
                self._parts = 1  # the keys do not name the vehicles: the rest as one part
                for rest in groups[n + 1 :]:
                    self._coalesce(coalescer, rest, now, report)
                last = True
            if last:
                break
            written.update(coalescer.vehicles)
            yield coalescer, False
            coalescer = Coalescer()
        yield coalescer, True

    def _coalesce(
        self,
        coalescer: Coalescer,
        sources: list[PartitionValues],
        now: datetime,
        report: BatchReport,
    ) -> None:
        """Judge ``sources`` (each a contract topic, its Kafka topic and partition, its
        values) and coalesce the valid records into ``coalescer``."""
        for topic, source, values in sources:
            reasons, records = self._readers[topic].read_many(values, now)
            invalid = [reason for reason in reasons if reason is not None]
            for reason in invalid:
                report.reasons[reason.split(":", 1)[0]] += 1
            report.invalid += len(invalid)
            valid = len(values) - len(invalid)
            report.valid += valid
            report.ignored += valid - coalescer.add_many(topic, records, source)

    def close(self) -> None:
        """Stop the writer thread (the store's connections are the store's to close)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
