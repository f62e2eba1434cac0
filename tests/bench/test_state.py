"""The benchmark's reading of Spark's state-operator progress."""

from __future__ import annotations

from bench.state import batch_figures


def test_figures_are_summed_over_operators_and_missing_ones_count_zero() -> None:
    dedup = {
        "numRowsUpdated": 400,
        "allRemovalsTimeMs": 30,
        "commitTimeMs": 7,
        "customMetrics": {"rocksdbGetLatency": 12, "rocksdbPutLatency": 5},
    }
    other = {"numRowsUpdated": 10, "numRowsRemoved": 3}  # e.g. the HDFS store: no RocksDB
    assert batch_figures([dedup, other]) == {
        "rows_updated": 410,
        "rows_removed": 3,
        "rocksdb_get_ms": 12,
        "rocksdb_put_ms": 5,
        "commit_ms": 7,
        "flush_ms": 0,
        "removals_ms": 30,
    }
