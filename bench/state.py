"""The deduplication state's own time in a streaming run, from Spark's progress reports.

``StateTimes(spark)`` is a context manager: while it is open, a listener keeps the state
operators' figures of every micro-batch of every query (the tutorial's queries have no
state, so in ``bench job`` they are the vts job's dedup). ``report()`` gives them per
batch and summed over the run. Spark sums each figure over the state store's partitions
(tasks), so the milliseconds are task time, not wall time; the RocksDB latencies are the
store's own share (the JNI calls), and ``removals_ms`` is the watermark's eviction, which
reads every key in the state whether or not it expires.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

# (report name, where Spark keeps it in a state operator's progress)
FIGURES = (
    ("rows_updated", ("numRowsUpdated",)),
    ("rows_removed", ("numRowsRemoved",)),
    ("rocksdb_get_ms", ("customMetrics", "rocksdbGetLatency")),
    ("rocksdb_put_ms", ("customMetrics", "rocksdbPutLatency")),
    ("commit_ms", ("commitTimeMs",)),
    ("flush_ms", ("customMetrics", "rocksdbCommitFlushLatency")),
    ("removals_ms", ("allRemovalsTimeMs",)),
)


def _figure(operator: dict[str, Any], path: tuple[str, ...]) -> int:
    value: Any = operator
    for key in path:
        value = value.get(key, 0) if isinstance(value, dict) else 0
    return int(value or 0)


def eviction_scan(per_batch: list[dict[str, int]]) -> dict[str, float]:
    """What the watermark's eviction costs per key (derived from a run's ``per_batch``).

    Each batch's eviction reads every key then in the state (the keys kept so far plus the
    batch's new ones), so its time over the keys it read is the cost of reading one key
    once; ``scans_per_key`` is how often the run read each of its keys on average (a short
    run reads each key a few times; a stream that holds a whole watermark, many times).
    """
    held = read = 0
    removals_ms = 0
    for batch in per_batch:
        held += batch["rows_updated"] - batch["rows_removed"]
        read += held
        removals_ms += batch["removals_ms"]
    keys = sum(b["rows_updated"] for b in per_batch)
    return {
        "scan_us_per_key": round(removals_ms * 1000 / read, 3) if read else 0.0,
        "scans_per_key": round(read / keys, 3) if keys else 0.0,
    }


def batch_figures(operators: list[dict[str, Any]]) -> dict[str, int]:
    """One micro-batch's ``FIGURES``, summed over its state operators (0 where absent)."""
    return {name: sum(_figure(op, path) for op in operators) for name, path in FIGURES}


class StateTimes:
    """Collects the state operators' figures of each micro-batch while open."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.batches: list[dict[str, int]] = []
        self._lock = threading.Lock()
        self._listener: Any = None

    def __enter__(self) -> StateTimes:
        from pyspark.sql.streaming import StreamingQueryListener

        owner = self

        class _Listener(StreamingQueryListener):
            def onQueryStarted(self, event: object) -> None:
                pass

            def onQueryProgress(self, event: object) -> None:
                progress = json.loads(event.progress.json)  # type: ignore[attr-defined]
                operators = progress.get("stateOperators") or []
                if operators:
                    owner._add(progress["batchId"], operators)

            def onQueryIdle(self, event: object) -> None:
                pass

            def onQueryTerminated(self, event: object) -> None:
                pass

        self._listener = _Listener()
        self.spark.streams.addListener(self._listener)
        return self

    def _add(self, batch_id: int, operators: list[dict[str, Any]]) -> None:
        with self._lock:
            self.batches.append({"batch": batch_id, **batch_figures(operators)})

    def wait_for(self, batches: int, timeout: float = 10.0) -> None:
        """Wait until ``batches`` reports arrived (Spark delivers them asynchronously)."""
        deadline = time.monotonic() + timeout
        while len(self.batches) < batches and time.monotonic() < deadline:
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        self.spark.streams.removeListener(self._listener)

    def report(self) -> dict[str, Any]:
        with self._lock:
            batches = sorted(self.batches, key=lambda b: b["batch"])
        totals = {name: sum(b[name] for b in batches) for name, _ in FIGURES}
        rocksdb = ("rocksdb_get_ms", "rocksdb_put_ms", "flush_ms", "removals_ms")
        return {
            "per_batch": batches,
            "totals": totals,
            # derived: the RocksDB calls, the commit's flush and the eviction's scan
            "state_task_s_derived": round(sum(totals[n] for n in rocksdb) / 1000, 2),
            "eviction_derived": eviction_scan(batches),
            "note": "summed over the state store's partitions (task time, not wall time)",
        }
