"""The ``foreachBatch`` sink on static batches with real PySpark and the local Hive
metastore (``integration``): deterministic names, one file per table partition, replays
that replace their own files, and partitions registered where the table exists; and
(fast) what the sink does when the catalog fails."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from tests.contract.corpus import valid_record
from vts.catalog.base import Column, TableSpec, get_catalog
from vts.contract.events import EVENT_TYPES
from vts.contract.hive import PARTITION_COLUMNS, hive_columns
from vts.storage.files import ArrowFiles
from vts.stream.layout import LakeLayout
from vts.stream.sink import BatchReport, LakeSink, collect
from vts.stream.staging import ROW
from vts.stream.transforms import TransformConfig, staged_keys

NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
QUERY_ID = "1a2b3c4d-0000-4000-8000-000000000000"


def _kafka_rows(spark: Any, values: list[tuple[str, bytes]]) -> Any:
    rows = [(None, v, t, 0, i, NOW.replace(tzinfo=None), 0) for i, (t, v) in enumerate(values)]
    return spark.createDataFrame(
        rows,
        "key binary, value binary, topic string, partition int, offset long, "
        "timestamp timestamp, timestamptype int",
    )


def _batch(spark: Any, layout: LakeLayout, count: int) -> tuple[Any, dict[str, set[str]]]:
    """The key rows of ``count`` events per table over two hours, plus one bad message
    (their files are staged when the sink runs the batch)."""
    values: list[tuple[str, bytes]] = [("gps_data", b"not json")]
    ids: dict[str, set[str]] = {}
    for table in ("vehicle_data", "gps_data"):
        ids[table] = set()
        for i in range(count):
            record = valid_record(EVENT_TYPES[table], i)
            record["event_id"] = str(uuid.uuid4())
            record["ts"] = f"2024-03-01T{10 + i % 2:02d}:15:00+00:00"
            ids[table].add(record["event_id"])
            values.append((table, json.dumps(record).encode()))
    keys = staged_keys(_kafka_rows(spark, values), TransformConfig(now=NOW), layout, ArrowFiles())
    return keys, ids


def _layout(tmp_path: Path) -> LakeLayout:
    """A lake under ``tmp_path`` and a checkpoint that names the query (``QUERY_ID``)."""
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "ckpt" / "metadata").write_text(json.dumps({"id": QUERY_ID}))
    lake = tmp_path / "lake"
    return LakeLayout(str(lake), str(lake / "quarantine"), str(tmp_path / "ckpt"))


def _files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(s.startswith(("_", ".")) for s in p.relative_to(root).parts)
    )


def _ids(folder: Path) -> list[str]:
    table = ds.dataset([str(p) for p in _files(folder)], format="parquet").to_table()
    return table.column("event_id").to_pylist()


@pytest.mark.integration
def test_batches_land_under_deterministic_names_and_register_partitions(
    spark: Any, tmp_path: Path
) -> None:
    layout = _layout(tmp_path)
    database = f"sink_{uuid.uuid4().hex[:8]}"
    catalog = get_catalog("spark", spark=spark)
    catalog.ensure_database(database)
    columns = tuple(Column(n, t) for n, t in hive_columns(EVENT_TYPES["vehicle_data"]))
    catalog.create_table(
        TableSpec(
            database,
            "vehicle_data",
            str(tmp_path / "lake" / "vehicle_data"),
            columns,
            tuple(Column(n, t) for n, t in PARTITION_COLUMNS),
        )
    )
    reports: list[BatchReport] = []
    watching = _Watching(catalog)
    sink = LakeSink(spark, layout, catalog=watching, database=database, on_batch=reports.append)  # type: ignore[arg-type]

    first, ids = _batch(spark, layout, 6)
    sink(first, 0)

    lake = tmp_path / "lake"
    names = [p.relative_to(lake).as_posix() for p in _files(lake)]
    assert names == sorted(
        [
            f"{t}/dt=2024-03-01/hr={h}/b0000000000-1a2b3c4d-{t}-2024-03-01-{h}-000.parquet"
            for t in ("gps_data", "vehicle_data")
            for h in ("10", "11")
        ]
        + [
            "quarantine/dt=2024-06-01/hr=09/b0000000000-1a2b3c4d-quarantine-2024-06-01-09-000.parquet"
        ]
    )
    for table in ("gps_data", "vehicle_data"):
        assert sorted(_ids(lake / table)) == sorted(ids[table])
    (report,) = reports
    assert (report.rows, report.quarantined, report.files) == (
        {"gps_data": 6, "vehicle_data": 6},
        1,
        5,
    )
    assert report.registered == 2  # vehicle_data's two hours; gps_data has no table yet
    # registered before their first files appeared: a query sees rows as soon as a listing
    assert watching.registered == [("dt=2024-03-01/hr=10", 0), ("dt=2024-03-01/hr=11", 0)]
    assert [step for step, _ in report.steps] == [
        "spark job",
        "combine",
        "catalog",
        "publish",
        "clean-up",
    ]
    assert catalog.list_partitions(database, "vehicle_data") == {
        "dt=2024-03-01/hr=10",
        "dt=2024-03-01/hr=11",
    }
    query = f"SELECT count(*) AS n FROM {database}.vehicle_data"  # noqa: S608 - our own name
    queried = collect(spark.sql(query))[0]["n"]
    assert queried == 6

    # files hold the contract's columns (ts as a UTC timestamp), not the partition columns
    schema = pq.read_schema(_files(lake / "vehicle_data")[0])
    assert schema.names == list(EVENT_TYPES["vehicle_data"].field_names)
    assert schema.field("ts").type == pa.timestamp("us", tz="UTC")
    quarantine = pq.read_table(_files(lake / "quarantine")[0]).to_pylist()
    assert bytes(quarantine[0]["raw_value"]) == b"not json"
    assert quarantine[0]["reason"].startswith("invalid_json")

    # a replay of batch 0 with other rows replaces the batch's own files: nothing of the
    # first attempt stays visible, and the other batches' files are untouched
    second, second_ids = _batch(spark, layout, 3)
    sink(second, 0)
    sink(second, 1)
    for table in ("gps_data", "vehicle_data"):
        assert sorted(_ids(lake / table)) == sorted(list(second_ids[table]) * 2)
    assert reports[1].replayed and not reports[2].replayed
    assert not list((lake / "_staging").rglob("*.parquet"))


@pytest.mark.integration
def test_rows_the_dedup_drops_are_left_out_of_the_published_files(
    spark: Any, tmp_path: Path
) -> None:
    layout = _layout(tmp_path)
    reports: list[BatchReport] = []
    sink = LakeSink(spark, layout, on_batch=reports.append)
    keys, ids = _batch(spark, layout, 8)
    # as if the dedup had seen every file's first row before: its key does not survive
    sink(keys.where(keys[ROW] > 0), 0)

    lake = tmp_path / "lake"
    for table in ("gps_data", "vehicle_data"):
        landed = _ids(lake / table)
        assert len(landed) == len(set(landed)) and set(landed) < ids[table]
        assert len(landed) == reports[0].rows[table]
    assert not (lake / "quarantine").exists()  # its one row was its file's first
    names = [p.name for p in _files(lake)]
    assert len(names) == len(set(n.rsplit("-", 1)[0] for n in names))  # one per partition
    assert not list((lake / "_staging").rglob("*.parquet"))


class _Watching:
    """The catalog, noting how many files each partition's folder held as it was registered."""

    def __init__(self, catalog: Any) -> None:
        self.catalog = catalog
        self.registered: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.catalog, name)

    def add_partitions(self, database: str, table: str, partitions: list[Any]) -> int:
        self.registered += [(p.spec, len(_files(Path(p.location)))) for p in partitions]
        added: int = self.catalog.add_partitions(database, table, partitions)
        return added


class _FlakyCatalog:
    """A catalog whose ``vehicle_data`` registration fails once (a stand-in, no service)."""

    def __init__(self) -> None:
        self.added: list[tuple[str, list[str]]] = []
        self.failures = 1

    def table_exists(self, database: str, table: str) -> bool:
        return table != "gps_data"

    def add_partitions(self, database: str, table: str, partitions: list[Any]) -> int:
        if table == "vehicle_data" and self.failures:
            self.failures -= 1
            raise RuntimeError("metastore busy")
        self.added.append((table, [p.spec for p in partitions]))
        return len(partitions)


class _FakeSpark:
    class conf:  # noqa: N801 - mimics SparkSession.conf
        @staticmethod
        def set(key: str, value: str) -> None:
            return None


def test_catalog_failures_are_logged_and_retried_with_the_next_batch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from vts.storage.files import ArrowFiles

    catalog = _FlakyCatalog()
    layout = LakeLayout("/lake", "/lake/quarantine", str(tmp_path))
    sink = LakeSink(_FakeSpark(), layout, store=ArrowFiles(), catalog=catalog)  # type: ignore[arg-type]
    batch = {("vehicle_data", "2024-03-01", "10"), ("gps_data", "2024-03-01", "10")}
    batch |= {("quarantine", "2024-06-01", "09")}

    assert sink._register(batch) == 1  # quarantine; vehicle_data failed, gps_data has no table
    assert "could not register 1 partitions of vts.vehicle_data" in caplog.text
    assert sink._register(batch) == 1  # vehicle_data again, and nothing twice
    assert catalog.added == [
        ("quarantine", ["dt=2024-06-01/hr=09"]),
        ("vehicle_data", ["dt=2024-03-01/hr=10"]),
    ]
    assert sink._register(batch) == 0
