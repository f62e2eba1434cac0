"""Parquet footers to Hive types, and which schemas merge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vts.catalog.base import Column
from vts.catalog.exceptions import UnsupportedTypeError, UnusableFileError
from vts.catalog.schema_infer import columns_of, hive_type, merge, read_file_schema
from vts.storage.lake import LakeFS


@pytest.mark.parametrize(
    ("arrow_type", "hive"),
    [
        (pa.bool_(), "boolean"),
        (pa.int8(), "int"),
        (pa.int16(), "int"),
        (pa.int32(), "int"),
        (pa.uint16(), "int"),
        (pa.int64(), "bigint"),
        (pa.uint32(), "bigint"),
        (pa.uint64(), "decimal(20,0)"),
        (pa.float32(), "float"),
        (pa.float64(), "double"),
        (pa.decimal128(10, 2), "decimal(10,2)"),
        (pa.string(), "string"),
        (pa.large_string(), "string"),
        (pa.dictionary(pa.int32(), pa.string()), "string"),
        (pa.binary(), "binary"),
        (pa.date32(), "date"),
        (pa.timestamp("ms"), "timestamp"),
        (pa.timestamp("us", tz="UTC"), "timestamp"),
        (pa.list_(pa.float64()), "array<double>"),
        (pa.map_(pa.string(), pa.int64()), "map<string,bigint>"),
        (pa.struct([("Lat", pa.float64()), ("n", pa.int32())]), "struct<lat:double,n:int>"),
    ],
)
def test_hive_types(arrow_type: pa.DataType, hive: str) -> None:
    assert hive_type(arrow_type) == hive


@pytest.mark.parametrize(
    ("arrow_type", "why"),
    [
        (pa.timestamp("ns"), "nanosecond"),
        (pa.null(), "no type"),
        (pa.float16(), "no Hive/Glue equivalent"),
        (pa.time64("us"), "no Hive/Glue equivalent"),
    ],
)
def test_unreadable_types_say_why(arrow_type: pa.DataType, why: str) -> None:
    with pytest.raises(UnsupportedTypeError, match=why) as caught:
        hive_type(arrow_type, "c")
    assert caught.value.kind == "unsupported_type" and caught.value.column == "c"


def test_names_are_lower_cased_and_case_clashes_refused() -> None:
    assert columns_of(pa.schema([("deviceId", pa.string())])) == (Column("deviceid", "string"),)
    with pytest.raises(UnusableFileError, match="differ only in case"):
        columns_of(pa.schema([("a", pa.string()), ("A", pa.string())]))


def test_merge_unions_in_first_seen_order_and_reports_clashes() -> None:
    base = (Column("a", "int"), Column("b", "string"))
    merged = merge(base, [Column("b", "string"), Column("c", "double"), Column("a", "int")])
    assert merged.ok
    assert merged.columns == (*base, Column("c", "double"))
    assert merged.added == (Column("c", "double"),)
    clash = merge(base, [Column("a", "bigint")], source="x.parquet")
    assert not clash.ok and clash.conflicts == ("column 'a' is int, but bigint in x.parquet",)


def test_widening_across_parquet_types_is_not_merged() -> None:
    """Spark 3.5 cannot read INT32 as bigint or FLOAT as double: keep them apart."""
    int32 = columns_of(pa.schema([("n", pa.int32()), ("f", pa.float32())]))
    wide = columns_of(pa.schema([("n", pa.int64()), ("f", pa.float64())]))
    assert len(merge(int32, wide).conflicts) == 2


def test_read_file_schema(tmp_path: Path) -> None:
    table = pa.table(
        {
            "n": pa.array([1, 2], pa.int32()),
            "ts": pa.array([dt.datetime(2024, 1, 1)] * 2, pa.timestamp("us", tz="UTC")),
        }
    )
    pq.write_table(table, tmp_path / "a.parquet")
    lake = LakeFS.open(tmp_path)
    size = (tmp_path / "a.parquet").stat().st_size
    schema = read_file_schema(lake, "a.parquet", size)
    assert schema.columns == (Column("n", "int"), Column("ts", "timestamp")) and schema.rows == 2


def test_int96_timestamps_as_spark_writes_them_are_timestamps(tmp_path: Path) -> None:
    table = pa.table({"ts": pa.array([dt.datetime(2024, 1, 1)], pa.timestamp("ns"))})
    pq.write_table(table, tmp_path / "a.parquet", use_deprecated_int96_timestamps=True)
    size = (tmp_path / "a.parquet").stat().st_size
    schema = read_file_schema(LakeFS.open(tmp_path), "a.parquet", size)
    assert schema.columns == (Column("ts", "timestamp"),)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("notes.txt", b"hello world, not parquet", "not_parquet"),
        ("empty.parquet", b"", "corrupt"),
        ("bad.parquet", b"PAR1....PAR1", "corrupt"),
        ("headless", b"PAR1 and then nothing", "corrupt"),
    ],
)
def test_files_that_are_not_parquet_or_broken(
    tmp_path: Path, name: str, content: bytes, kind: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(UnusableFileError) as caught:
        read_file_schema(LakeFS.open(tmp_path), name, len(content))
    assert caught.value.kind == kind
