"""The benchmark's reading of Spark's state-operator progress."""

from __future__ import annotations

from bench.state import batch_figures, eviction_scan


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


def test_the_eviction_scan_is_costed_per_key_read() -> None:
    # three batches of 100 new keys, none expiring: the evictions read 100, 200, 300 keys
    batches = [
        {"rows_updated": 100, "rows_removed": 0, "removals_ms": 1},
        {"rows_updated": 100, "rows_removed": 0, "removals_ms": 2},
        {"rows_updated": 100, "rows_removed": 0, "removals_ms": 3},
    ]
    assert eviction_scan(batches) == {"scan_us_per_key": 10.0, "scans_per_key": 2.0}
    # keys that expired are no longer read
    batches[2] = {"rows_updated": 100, "rows_removed": 200, "removals_ms": 3}
    assert eviction_scan(batches)["scan_us_per_key"] == round(6_000 / 400, 3)
