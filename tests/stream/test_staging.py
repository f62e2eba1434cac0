"""The workers' staging of a micro-batch, and the sink's combining of staged files, on
local disk without Spark (the task's batch name is what the sink would set)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.contract.corpus import valid_record
from vts.contract.events import EVENT_TYPES
from vts.storage.files import ArrowFiles
from vts.stream import staging
from vts.stream.layout import LakeLayout
from vts.stream.staging import (
    KEY_SCHEMA,
    SURVIVOR_BLOCK,
    StagedKey,
    StagingWriter,
    Survivors,
    combine,
    survivors,
)
from vts.stream.validation import BatchValidator

NOW = datetime(2024, 6, 1, 12, 30, tzinfo=UTC)
TAG = "1a2b3c4d"


def _records(values: list[tuple[str, bytes]]) -> pa.RecordBatch:
    n = len(values)
    return pa.RecordBatch.from_pydict(
        {
            "topic": [t for t, _ in values],
            "kafka_partition": pa.array([0] * n, pa.int32()),
            "kafka_offset": pa.array(range(n), pa.int64()),
            "kafka_timestamp": pa.array([NOW] * n, pa.timestamp("us", tz="UTC")),
            "kafka_key": [None] * n,
            "value": pa.array([v for _, v in values], pa.binary()),
        }
    )


def _vehicle(i: int, hour: int) -> bytes:
    record = valid_record(EVENT_TYPES["vehicle_data"], i)
    record["ts"] = f"2024-03-01T{hour:02d}:15:00+00:00"
    return json.dumps(record).encode()


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LakeLayout:
    monkeypatch.setattr(staging, "batch_property", lambda: (TAG, 7))  # as the sink sets it
    return LakeLayout(str(tmp_path / "lake"), str(tmp_path / "q"), str(tmp_path / "ckpt"))


def test_a_task_stages_one_file_per_table_partition_and_hands_back_each_rows_place(
    layout: LakeLayout,
) -> None:
    values = [("vehicle_data", _vehicle(i, 10 + i % 2)) for i in range(6)]
    values.append(("vehicle_data", b"{oops"))
    writer = StagingWriter(BatchValidator(("vehicle_data",), now=NOW), layout, ArrowFiles())
    # two input batches: a file gathers its rows over the task's batches
    keys = pa.Table.from_batches(list(writer(iter([_records(values[:3]), _records(values[3:])]))))

    assert keys.schema == KEY_SCHEMA and keys.num_rows == len(values)
    files = {row["_file"] for row in keys.to_pylist()}
    assert files == {
        "vehicle_data/2024-03-01/10/0",
        "vehicle_data/2024-03-01/11/0",
        "quarantine/2024-06-01/12/0",
    }
    for name in files:
        rows = [r for r in keys.to_pylist() if r["_file"] == name]
        staged = pq.ParquetFile(StagedKey.parse(name).path(layout, TAG, 7)).read()
        assert staged.num_rows == rows[0]["_file_rows"] == len(rows)
        assert sorted(r["_row"] for r in rows) == list(range(len(rows)))
        if name.startswith("quarantine"):
            assert staged.column("raw_value").to_pylist() == [b"{oops"]
            assert staged.column("reason").to_pylist()[0].startswith("invalid_json")
            continue
        # row i of the file is the record whose key says so; the file holds its columns
        assert staged.column_names == list(EVENT_TYPES["vehicle_data"].field_names)
        assert staged.schema.field("ts").type == pa.timestamp("us", tz="UTC")
        for r in rows:
            assert r["_dedup_key"] == f"vehicle_data/{staged.column('event_id')[r['_row']]}"
    assert not list(Path(layout.output_path).rglob(".*.tmp"))  # written whole, then renamed


def test_combining_keeps_only_the_surviving_rows_of_each_staged_file(tmp_path: Path) -> None:
    files = ArrowFiles()
    first, second = str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")
    files.write_parquet(first, pa.table({"event_id": ["a0", "a1", "a2"]}))
    files.write_parquet(second, pa.table({"event_id": ["b0", "b1"]}))
    target = str(tmp_path / "staged" / "combined.parquet")

    combine(files, "vehicle_data", [(first, [2, 0]), (second, None)], target)

    assert pq.read_table(target).column("event_id").to_pylist() == ["a0", "a2", "b0", "b1"]


def test_a_write_replaces_the_file_whole(tmp_path: Path) -> None:
    files = ArrowFiles()
    path = f"file:{tmp_path}/t.parquet"
    files.write_parquet(path, pa.table({"x": [1]}))
    files.write_parquet(path, pa.table({"x": [2, 3]}))
    assert files.read_parquet(path).column("x").to_pylist() == [2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def _masks(file: str, file_rows: int, kept: list[int]) -> list[tuple[str, int, int, int]]:
    """What the sink's aggregate returns for ``kept``: one signed-long bitmask per block."""
    blocks: dict[int, int] = {}
    for row in kept:
        block, bit = divmod(row, SURVIVOR_BLOCK)
        blocks[block] = blocks.get(block, 0) | 1 << bit
    signed = {b: m - (1 << 64) if m >= 1 << 63 else m for b, m in blocks.items()}
    return [(file, file_rows, b, m) for b, m in signed.items()]


def test_a_file_that_kept_every_row_needs_no_list_of_them() -> None:
    whole = _masks("gps_data/2024-05-01/08/0", 200, list(range(200)))
    assert survivors(whole) == [Survivors("gps_data/2024-05-01/08/0", 200, 200, None)]


def test_a_file_that_lost_rows_names_the_survivors_across_blocks_and_the_sign_bit() -> None:
    kept = [0, 5, 63, 64, 127, 128, 191]  # 63 and 127 are a block's sign bit
    found = survivors(
        [
            *_masks("vehicle_data/2024-05-01/08/1", 200, kept),
            *_masks("gps_data/2024-05-01/08/0", 3, [0, 1, 2]),
        ]
    )
    assert found == [
        Survivors("gps_data/2024-05-01/08/0", 3, 3, None),
        Survivors("vehicle_data/2024-05-01/08/1", 200, 7, kept),
    ]
