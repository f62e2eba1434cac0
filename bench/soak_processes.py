"""The soak's moving parts (``bench.bench_soak`` runs them): the Glue job script as a
process with its log parsed, the fleet produced in real time, and the watcher that lists
the lake, the checkpoint and the catalog for the freshness record."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.job_log import LoggedJob
from bench.soak import Freshness, parse_metrics_line, parse_sink_line, partition_hour

DATABASE = "vts"
POLL_S = 0.25  # how often the watcher lists the lake and the checkpoint


@dataclass(frozen=True)
class SoakOptions:
    minutes: float = 60.0
    # the trigger a user deploys for freshness, the least the template allows: at the
    # issue's load (the job busy about half the time) a batch's mean is half the trigger,
    # so p95 ~ 0.85 T (wait) + 0.8 T (batch) + 0.3 s (publish) <= T + 2 s needs T <= 2.7 s
    trigger_seconds: int = 2
    # ~700 events/s: the job busy about half the time at 2 s once its dedup state is
    # full. Each batch's eviction reads the whole state (Spark's dedup with a watermark),
    # so a batch costs more with the fleet times --watermark, and a 2 s trigger pays that
    # 2.5 times as often as a 5 s one: at 1,000 vehicles the job was busy 78 % by minute 10
    vehicles: int = 350
    seed: int = 11
    scenario: str = "city"


class JobProcess(LoggedJob):
    """The Glue job script as a process; its log kept, its batch lines parsed."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.batches: list[dict[str, Any]] = []  # metrics lines, with when they were read
        self.sink_lines: list[dict[str, Any]] = []  # the sink's lines, with when read
        self.started_query: float | None = None
        self._lock = threading.Lock()
        super().__init__(argv, env, log)

    def on_line(self, line: str) -> None:
        now = time.time()
        if self.started_query is None and "vts.stream.job: started " in line:
            self.started_query = now
        parsed = parse_metrics_line(line)
        if parsed is not None:
            with self._lock:
                self.batches.append({**parsed.__dict__, "at": now})
            return
        sink = parse_sink_line(line)
        if sink is not None:
            with self._lock:
                self.sink_lines.append({**sink.__dict__, "at": now})

    def batches_between(self, start: float, end: float) -> list[dict[str, Any]]:
        with self._lock:
            return [b for b in self.batches if start <= b["at"] < end]

    def sink_steps_between(self, start: float, end: float) -> dict[str, float]:
        """Mean seconds of each of the sink's steps over its batches that ended then."""
        with self._lock:
            lines = [s for s in self.sink_lines if start <= s["at"] < end]
        names = sorted({n for s in lines for n in s["steps"]})
        return {n: round(sum(s["steps"].get(n, 0.0) for s in lines) / len(lines), 3) for n in names}

    def wait_started(self, timeout: float) -> None:
        self.wait_until(lambda: self.started_query is not None, "started its query", timeout, 0.1)


class FleetProducer(threading.Thread):
    """One window of the fleet a second, in real time; each delivered before the next."""

    def __init__(self, bootstrap: str, prefix: str, options: SoakOptions, fresh: Freshness):
        super().__init__(name="soak-producer", daemon=True)
        self.bootstrap = bootstrap
        self.prefix = prefix
        self.options = options
        self.fresh = fresh
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.truth: dict[str, list[Any]] = {}  # table -> arrays of event ids (bytes)
        self.per_minute: dict[int, int] = {}
        self.windows = 0
        self.events = 0
        self.late = 0  # windows that started later than their second
        self.error: str | None = None
        self.began: float | None = None

    def run(self) -> None:
        from datetime import timedelta

        from simulator import generate
        from simulator.outputs.producer import Producer

        o = self.options
        now = time.time()
        sim_start = datetime.fromtimestamp(int(now) + 1, UTC)
        # the day's first window walks the fleet's day (seconds): not part of the pace
        generate(o.scenario, o.seed, sim_start, 1.0, vehicles=o.vehicles)
        try:
            with Producer.connect(self.bootstrap, topic_prefix=self.prefix) as producer:
                self.began = time.time()
                i = 0
                while not self.stop.is_set():
                    due = self.began + i
                    wait = due - time.time()
                    if wait > 0:
                        time.sleep(wait)
                    elif wait < -1:
                        self.late += 1
                    start = sim_start + timedelta(seconds=i)
                    batches = generate(o.scenario, o.seed, start, 1.0, vehicles=o.vehicles)
                    ids = {t: b.event_ids for t, b in batches.items() if len(b)}
                    at = time.time()  # produced: sent now, delivered by the flush
                    self.fresh_produced(i, at, ids)
                    producer.produce_batches(batches.values())
                    producer.flush()
                    minute = int((at - self.began) // 60)
                    n = sum(len(v) for v in ids.values())
                    with self.lock:
                        for table, values in ids.items():
                            self.truth.setdefault(table, []).append(values)
                        self.per_minute[minute] = self.per_minute.get(minute, 0) + n
                        self.windows += 1
                        self.events += n
                    i += 1
        except Exception as exc:  # reported in the result; the soak stops
            self.error = f"{type(exc).__name__}: {exc}"
            raise

    def fresh_produced(self, window: int, at: float, ids: dict[str, Any]) -> None:
        decoded = {t: v.astype(str).tolist() for t, v in ids.items()}
        with self.lock:
            self.fresh.produced(window, at, decoded)


class LakeWatcher(threading.Thread):
    """Lists the lake and the checkpoint every ``POLL_S``: new files' event ids go to the
    freshness record, the catalog is asked about partitions windows wait for, and each
    batch's offset log entry and manifest are timed."""

    def __init__(
        self, lake: Path, checkpoint: Path, glue: Any, producer: FleetProducer, fresh: Freshness
    ) -> None:
        super().__init__(name="soak-watcher", daemon=True)
        self.lake = lake
        self.checkpoint = checkpoint
        self.glue = glue
        self.producer = producer
        self.fresh = fresh
        self.stop = threading.Event()
        self.seen: set[str] = set()
        self.batches: dict[int, dict[str, float]] = {}
        self.glue_calls = 0
        self.error: str | None = None

    def run(self) -> None:
        try:
            while not self.stop.wait(POLL_S):
                self.tick()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            raise

    def tick(self) -> None:
        import pyarrow.parquet as pq

        from vts.contract.topics import TOPIC_NAMES

        now = time.time()
        self._checkpoint_times()
        for table in TOPIC_NAMES:
            root = self.lake / table
            new = []
            for path in parquet_files(root):
                hour = partition_hour(str(path.relative_to(root)))
                if str(path) not in self.seen and hour is not None:
                    new.append((path, hour))
            self._registered_already(table, {hour for _, hour in new}, now)
            for path, hour in new:
                try:
                    ids = pq.read_table(path, columns=["event_id"]).column(0).to_pylist()
                except (OSError, ValueError):
                    continue  # replaced by a replay as it was read: read again next time
                self.seen.add(str(path))
                with self.producer.lock:
                    self.fresh.seen(table, hour[0], hour[1], ids, now)
        with self.producer.lock:
            waiting = self.fresh.pending_partitions()
        if waiting:
            for table in sorted({p[0] for p in waiting}):
                listed = self._catalog_partitions(table)
                at = time.time()
                with self.producer.lock:
                    for p in waiting:
                        if p[0] == table and (p[1], p[2]) in listed:
                            self.fresh.registered(p, at)

    def _registered_already(self, table: str, hours: set[tuple[str, str]], now: float) -> None:
        """Ask the catalog about a partition as soon as its first files are seen: one it
        lists already was registered by the time they appeared (``now``)."""
        with self.producer.lock:
            unknown = {h for h in hours if (table, *h) not in self.fresh.registered_at}
        if not unknown:
            return
        listed = self._catalog_partitions(table)
        with self.producer.lock:
            for hour in unknown & listed:
                self.fresh.registered((table, *hour), now)

    def _catalog_partitions(self, table: str) -> set[tuple[str, str]]:
        self.glue_calls += 1
        pages = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=DATABASE, TableName=table
        )
        return {(p["Values"][0], p["Values"][1]) for page in pages for p in page["Partitions"]}

    def _checkpoint_times(self) -> None:
        offsets = self.checkpoint / "offsets"
        manifests = self.checkpoint / "vts-sink" / "manifests"
        for folder, what in ((offsets, "planned"), (manifests, "publishing")):
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                digits = name.removeprefix("b").removesuffix(".json")
                if not digits.isdigit():
                    continue
                batch = self.batches.setdefault(int(digits), {"batch": int(digits)})
                if what not in batch:
                    try:
                        batch[what] = entry.stat().st_mtime
                    except OSError:
                        continue


def parquet_files(root: Path) -> list[Path]:
    found: list[Path] = []
    try:
        days = [d for d in root.iterdir() if d.name.startswith("dt=")]
    except OSError:
        return found
    for day in days:
        try:
            hours = [h for h in day.iterdir() if h.name.startswith("hr=")]
        except OSError:
            continue
        for hour in hours:
            try:
                found.extend(f for f in hour.iterdir() if f.name.endswith(".parquet"))
            except OSError:
                continue
    return found
