"""The soak benchmark's pure parts: reading the job's log, the lake's and the checkpoint's
shape, the per-minute samples' growth check, and produced -> visible freshness.

``bench_soak`` runs the job and calls these; they touch no service, so
``tests/bench/test_soak.py`` checks them on made-up inputs.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The job's per-batch line (``vts.stream.metrics.LogMetrics``): Spark's batch duration and
# the Kafka source's lag, once Spark has posted the batch's progress.
METRICS_LINE = re.compile(
    r"vts\.stream\.metrics: batch (?P<batch>\d+): (?P<records>\d+) records in, "
    r"(?P<rows>\d+) rows written, (?P<quarantined>\d+) quarantined, (?P<files>\d+) files, "
    r"(?P<seconds>[\d.]+)s, max offsets behind latest (?P<behind>\d+|unknown)"
    r"(?: \((?P<phases>[^()]*)\))?(?:; state task time: evict (?P<evict>[\d.]+)s)?"
)
# The sink's per-batch line (``vts.stream.sink.LakeSink``): its own share of the batch.
SINK_LINE = re.compile(
    r"vts\.stream\.sink: batch (?P<batch>\d+): (?P<events>\d+) events, "
    r"(?P<quarantined>\d+) quarantined, (?P<files>\d+) files in (?P<seconds>[\d.]+)s"
    r"(?: \((?P<steps>[^)]*)\))?"
)
PHASE = re.compile(r"(\w+) ([\d.]+)s")  # one of Spark's phases in the metrics line
STEP = re.compile(r"(?P<step>[a-z][a-z -]*?) (?P<seconds>[\d.]+)s")
# A lake file: <table>/dt=<dt>/hr=<hr>/<name>.parquet (relative to the lake or quarantine)
PARTITION = re.compile(r"dt=(?P<dt>[^/]+)/hr=(?P<hr>[^/]+)/[^/]+\.parquet$")
# The growth check: the last window of the run against the window after the warm-up.
TOLERANCE = 0.10
WINDOW_MINUTES = 10


@dataclass(frozen=True)
class BatchLine:
    """One finished micro-batch, as the job logged it."""

    batch: int
    records: int
    files: int
    seconds: float
    behind: int | None  # max offsets behind latest (None: Spark did not say)
    # the dedup state's eviction, task seconds (None: the job did not log it)
    evict_s: float | None = None
    # Spark's phases of the batch, seconds (``addBatch``, ``walCommit``, ...)
    phases: dict[str, float] = field(default_factory=dict)


def parse_metrics_line(line: str) -> BatchLine | None:
    """The batch of a ``vts.stream.metrics`` line (``None`` for any other line)."""
    found = METRICS_LINE.search(line)
    if found is None:
        return None
    behind = found["behind"]
    return BatchLine(
        batch=int(found["batch"]),
        records=int(found["records"]),
        files=int(found["files"]),
        seconds=float(found["seconds"]),
        behind=None if behind == "unknown" else int(behind),
        evict_s=None if found["evict"] is None else float(found["evict"]),
        phases={p: float(x) for p, x in PHASE.findall(found["phases"] or "")},
    )


# The first line of a Java or Python exception in a log: its class and message.
EXCEPTION_LINE = re.compile(r"^(?:[\w$]+\.)*[\w$]*(?:Exception|Error)(?::[^\n]*)?$", re.MULTILINE)


def job_failure(log: Path, minute: int, returncode: int | None) -> dict[str, Any]:
    """What the soak records of a job that died: when, its exit code, and the first
    exception its log names (its class and message), with the log's path."""
    text = log.read_text(errors="replace") if log.exists() else ""
    found = EXCEPTION_LINE.search(text)
    return {
        "minute": minute,
        "returncode": returncode,
        "error": found.group(0).strip() if found else "no exception in the log",
        "log": str(log),
    }


@dataclass(frozen=True)
class SinkLine:
    """The sink's share of a micro-batch, and its steps' seconds when it logged them."""

    batch: int
    seconds: float
    steps: dict[str, float]


def parse_sink_line(line: str) -> SinkLine | None:
    """The batch of a ``vts.stream.sink`` batch line, else ``None``."""
    found = SINK_LINE.search(line)
    if found is None:
        return None
    steps = {m["step"]: float(m["seconds"]) for m in STEP.finditer(found["steps"] or "")}
    return SinkLine(int(found["batch"]), float(found["seconds"]), steps)


def folder_bytes(root: Path) -> tuple[int, int]:
    """``(bytes, files)`` under ``root`` (0, 0 when it is not there); files vanishing
    while it is walked (the job deletes as it goes) are skipped."""
    total = count = 0
    todo = [str(root)]
    while todo:
        folder = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_size
                    count += 1
            except OSError:
                continue
    return total, count


def partition_hour(relative: str) -> tuple[str, str] | None:
    """``(dt, hr)`` of a lake file's path, ``None`` for anything else (staging, folders)."""
    if any(part.startswith(("_", ".")) for part in relative.split("/")):
        return None
    found = PARTITION.search(relative)
    return None if found is None else (found["dt"], found["hr"])


def files_per_partition_hour(files: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """``{table: {"dt=…/hr=…": files}}`` from ``(table, path within the table)`` pairs."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for table, relative in files:
        hour = partition_hour(relative)
        if hour is not None:
            counts[table][f"dt={hour[0]}/hr={hour[1]}"] += 1
    return {table: dict(sorted(c.items())) for table, c in sorted(counts.items())}


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by linear interpolation; ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def windows_of(minutes: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The growth check's minute windows, ``[start, end)``: minutes 10-20 and the last 10 of
    a run of an hour or more (issue 28's windows, whatever the length); a shorter run
    scales them (a sixth of the run each)."""
    width = WINDOW_MINUTES if minutes >= 6 * WINDOW_MINUTES else max(1, minutes // 6)
    return (width, 2 * width), (max(2 * width, minutes - width), minutes)


def _values(
    samples: Sequence[Mapping[str, Any]], figure: str, start: int, end: int
) -> list[tuple[int, float]]:
    """``(minute, value)`` of a figure in the minutes ``[start, end)`` that have one."""
    return [
        (int(s["minute"]), float(s[figure]))
        for s in samples
        if start <= int(s["minute"]) < end and s.get(figure) is not None
    ]


def profile(samples: Sequence[Mapping[str, Any]], figure: str, width: int) -> list[float | None]:
    """A figure's mean over each ``width`` minutes of the run, in order (``None`` for a
    window without values): how it filled, and whether it stopped."""
    last = max((int(s["minute"]) for s in samples), default=-1)
    return [
        None if m is None else round(m, 3)
        for m in (
            mean([v for _, v in _values(samples, figure, at, at + width)])
            for at in range(0, last + 1, width)
        )
    ]


def trend_per_hour(samples: Sequence[Mapping[str, Any]], figure: str, start: int) -> float | None:
    """The least-squares slope of a figure over the minutes from ``start`` on, per hour
    (``None`` with fewer than 3 values): what it still gains once it has filled."""
    points = _values(samples, figure, start, 1 << 30)
    if len(points) < 3:
        return None
    mx = sum(m for m, _ in points) / len(points)
    my = sum(v for _, v in points) / len(points)
    spread = sum((m - mx) ** 2 for m, _ in points)
    return sum((m - mx) * (v - my) for m, v in points) / spread * 60


def growth_check(
    samples: Sequence[Mapping[str, Any]],
    figures: Sequence[str],
    minutes: int,
    tolerance: float = TOLERANCE,
) -> dict[str, Any]:
    """Is each figure of the per-minute ``samples`` bounded?

    A sample is a mapping with ``minute`` (0 = the first minute) and the ``figures``
    (``None`` where the minute had none: no batch ended in it). A figure grew when its
    mean over the last window is more than ``tolerance`` above its mean over the baseline
    window (``windows_of``); a figure without values in either window is not judged.
    Each judged figure also carries its ``profile`` (the mean of each window's width of
    the run) and ``second_half_per_hour`` (``trend_per_hour`` from the run's middle on),
    which tell a figure that filled and stopped from one that keeps growing.
    """
    (b0, b1), (l0, l1) = windows_of(minutes)

    def values(figure: str, start: int, end: int) -> list[float]:
        return [v for _, v in _values(samples, figure, start, end)]

    judged: dict[str, Any] = {}
    for figure in figures:
        base, last = mean(values(figure, b0, b1)), mean(values(figure, l0, l1))
        if base is None or last is None or base <= 0:
            judged[figure] = {"baseline": base, "last": last, "ratio": None, "grew": None}
            continue
        ratio = last / base
        judged[figure] = {
            "baseline": round(base, 3),
            "last": round(last, 3),
            "ratio": round(ratio, 3),
            "grew": ratio > 1 + tolerance,
        }
        # where it went between the windows: each window's mean, and its slope over the
        # run's second half (a figure that filled, then stopped, shows ~0 there)
        slope = trend_per_hour(samples, figure, minutes // 2)
        judged[figure]["profile"] = profile(samples, figure, b1 - b0)
        judged[figure]["second_half_per_hour"] = None if slope is None else round(slope, 3)
    grew = [f for f, j in judged.items() if j["grew"]]
    unjudged = [f for f, j in judged.items() if j["grew"] is None]
    return {
        "baseline_minutes": [b0, b1],
        "last_minutes": [l0, l1],
        "tolerance": tolerance,
        "figures": judged,
        "grew": grew,
        "not_judged": unjudged,
        "bounded": not grew and not unjudged,
    }


@dataclass
class _Window:
    produced: float
    left: dict[str, int]  # table -> events not seen in the lake yet
    partitions: set[tuple[str, str, str]] = field(default_factory=set)
    visible: float | None = None


class Freshness:
    """Produced -> visible in its table's partition and registered in the catalog.

    The producer reports each window of events once it is delivered (``produced``); the
    lake's watcher reports each new file's event ids (``seen``) and each partition the
    catalog lists (``registered``). A window's sample is the time from its delivery until
    every one of its events is in a published file and every partition those files are in
    is registered: what a query of the catalog's table sees.
    """

    def __init__(self) -> None:
        self.windows: dict[int, _Window] = {}
        self.owner: dict[str, tuple[int, str]] = {}  # event id -> (window, table)
        self.registered_at: dict[tuple[str, str, str], float] = {}
        self.samples: dict[int, dict[str, float]] = {}

    def produced(self, window: int, at: float, ids: Mapping[str, Iterable[str]]) -> None:
        left: dict[str, int] = {}
        for table, table_ids in ids.items():
            n = 0
            for event_id in table_ids:
                self.owner[event_id] = (window, table)
                n += 1
            if n:
                left[table] = n
        self.windows[window] = _Window(at, left)

    def seen(self, table: str, dt: str, hr: str, ids: Iterable[str], at: float) -> None:
        touched = set()
        for event_id in ids:
            found = self.owner.pop(event_id, None)
            if found is None:
                continue
            window, owner_table = found
            state = self.windows[window]
            state.left[owner_table] -= 1
            state.partitions.add((table, dt, hr))
            touched.add(window)
        for window in touched:
            state = self.windows[window]
            if not any(state.left.values()):
                state.visible = at
                self._settle(window, at)

    def registered(self, partition: tuple[str, str, str], at: float) -> None:
        self.registered_at.setdefault(partition, at)
        for window, state in list(self.windows.items()):
            if state.visible is not None:
                self._settle(window, at)

    def pending_partitions(self) -> set[tuple[str, str, str]]:
        """Partitions that visible windows wait for the catalog to list."""
        return {
            p
            for state in self.windows.values()
            if state.visible is not None
            for p in state.partitions
            if p not in self.registered_at
        }

    def _settle(self, window: int, at: float) -> None:
        state = self.windows[window]
        if state.visible is None or any(p not in self.registered_at for p in state.partitions):
            return
        registered = max((self.registered_at[p] for p in state.partitions), default=0.0)
        done = max(state.visible, registered)
        self.samples[window] = {
            "produced": state.produced,
            "visible": state.visible,
            "registered": registered,
            "seconds": done - state.produced,
        }
        del self.windows[window]

    def seconds_produced_between(self, start: float, end: float) -> list[float]:
        """The samples of the windows produced in ``[start, end)``, in seconds."""
        return [s["seconds"] for s in self.samples.values() if start <= s["produced"] < end]

    @property
    def waiting(self) -> int:
        """Windows produced whose sample is not in yet."""
        return len(self.windows)


def breakdown(
    sample: Mapping[str, float], batches: Sequence[Mapping[str, float]]
) -> dict[str, float] | None:
    """Where a freshness sample's time went, given the batches' checkpoint times.

    ``batches`` are ``{"batch", "planned", "publishing"}`` (when Spark wrote the batch's
    offset log entry, when the sink wrote its manifest, epoch seconds). The sample's batch is
    the first planned after it was produced: the time until then is the trigger wait, then
    the batch's compute (read, validate, stage, dedup, combine) until the manifest, then the
    publish (the moves) until the watcher saw the files, then the catalog's registration.
    """
    after = [b for b in batches if b["planned"] >= sample["produced"]]
    if not after:
        return None
    batch = min(after, key=lambda b: b["planned"])
    publishing = batch.get("publishing")
    if publishing is None or publishing > sample["visible"]:
        return None
    return {
        "batch": batch["batch"],
        "trigger_wait_s": batch["planned"] - sample["produced"],
        "compute_s": publishing - batch["planned"],
        "publish_s": sample["visible"] - publishing,
        "register_s": max(0.0, sample["registered"] - sample["visible"]),
    }
