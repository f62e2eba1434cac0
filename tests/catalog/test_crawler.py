"""The crawler on lakes written here with pyarrow, against every catalog backend.

Each test runs on the Spark SQL backend (real local Spark + Hive metastore; integration;
there the tables are also queried and compared with what was written) and on the Glue
backend against moto (a mock; the catalog's view only).
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pyarrow as pa
import pytest

from tests.catalog.conftest import Backend
from tests.catalog.trees import partition, rows, truncated_parquet, vehicles, write
from vts.catalog.base import Column
from vts.catalog.crawler import crawl
from vts.catalog.exceptions import LakeNotFoundError
from vts.catalog.spark_sql import collect


def _expected(*tables: pa.Table) -> list[tuple[int, float, object]]:
    out = []
    for t in tables:
        for row in t.to_pylist():
            out.append((row["seq"], row["speed_kmh"], row["ts"]))
    return sorted(out)


def _queried(backend: Backend, table: str) -> list[tuple[int, float, object]]:
    columns = backend.spark.table(f"{backend.database}.{table}").select("seq", "speed_kmh", "ts")
    got = [r.asDict() for r in collect(columns)]
    return sorted((r["seq"], r["speed_kmh"], r["ts"].astimezone(UTC)) for r in got)


def test_partitioned_and_unpartitioned_tables(backend: Backend, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    batches = {}
    for i, (dt, hr) in enumerate(
        [("2024-03-01", "00"), ("2024-03-01", "01"), ("2024-03-02", "00")]
    ):
        batches[(dt, hr)] = write(partition(lake, "vehicle_data", dt, hr), vehicles(5, 10 * i))
    roads = [vehicles(3, 100), vehicles(4, 200)]
    write(lake / "roads" / "a.parquet", roads[0])
    write(lake / "roads" / "b.parquet", roads[1])

    report = crawl(lake, backend.catalog, database=backend.database)

    assert report.ok and report.skipped == ()
    vd, rd = report.table("vehicle_data"), report.table("roads")
    assert vd is not None and rd is not None
    assert (vd.action, vd.partitions_added, vd.files_added, vd.rows_added) == ("created", 3, 3, 15)
    assert (rd.action, rd.partitions_added, rd.files_added, rd.rows_added) == ("created", 0, 2, 7)
    spec = backend.catalog.get_table(backend.database, "vehicle_data")
    assert spec is not None
    assert spec.columns == (
        Column("vehicle_id", "string"),
        Column("seq", "int"),
        Column("speed_kmh", "double"),
        Column("ts", "timestamp"),
    )
    assert [c.name for c in spec.partition_columns] == ["dt", "hr"]
    assert backend.catalog.list_partitions(backend.database, "vehicle_data") == {
        f"dt={dt}/hr={hr}" for dt, hr in batches
    }
    if backend.spark is not None:
        written = [vehicles(5, 10 * i) for i in range(3)]
        assert _queried(backend, "vehicle_data") == _expected(*written)
        assert _queried(backend, "roads") == _expected(*roads)
        per_partition = rows(
            backend.spark,
            backend.database,
            "SELECT dt, hr, count(*) AS n, min(seq) AS lo FROM vehicle_data "
            "GROUP BY dt, hr ORDER BY dt, hr",
        )
        assert [(r["dt"], r["hr"], r["n"], r["lo"]) for r in per_partition] == [
            ("2024-03-01", "00", 5, 0),
            ("2024-03-01", "01", 5, 10),
            ("2024-03-02", "00", 5, 20),
        ]


def test_a_recrawl_adds_only_new_partitions(backend: Backend, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write(partition(lake, "vehicle_data", "2024-03-01", "00"), vehicles(4))
    assert crawl(lake, backend.catalog, database=backend.database).totals["partitions_added"] == 1

    write(partition(lake, "vehicle_data", "2024-03-01", "01"), vehicles(6, 4))
    write(partition(lake, "vehicle_data", "2024-03-01", "02"), vehicles(2, 10))
    second = crawl(lake, backend.catalog, database=backend.database)
    vd = second.table("vehicle_data")
    assert vd is not None
    assert (vd.action, vd.partitions_added, vd.files_added, vd.rows_added) == ("updated", 2, 2, 8)

    third = crawl(lake, backend.catalog, database=backend.database)
    vd = third.table("vehicle_data")
    assert vd is not None
    assert (vd.action, vd.partitions_added, vd.files_added) == ("unchanged", 0, 0)
    if backend.spark is not None:
        assert _queried(backend, "vehicle_data") == _expected(
            vehicles(4), vehicles(6, 4), vehicles(2, 10)
        )


def test_registered_partitions_are_not_read_again(backend: Backend, tmp_path: Path) -> None:
    """The catalog is the crawler's memory: a folder it registered is not re-read, so a
    file that later breaks there goes unnoticed while a new folder is picked up."""
    lake = tmp_path / "lake"
    old = write(partition(lake, "vehicle_data", "2024-03-01", "00"), vehicles(4))
    crawl(lake, backend.catalog, database=backend.database)
    old.write_bytes(b"no longer parquet")
    write(partition(lake, "vehicle_data", "2024-03-01", "01"), vehicles(3, 4))

    report = crawl(lake, backend.catalog, database=backend.database)

    assert report.skipped == ()
    assert report.totals["partitions_added"] == 1


@pytest.mark.parametrize("policy", ["add-columns", "log", "fail"])
def test_schema_change_between_batches(backend: Backend, tmp_path: Path, policy: str) -> None:
    lake = tmp_path / "lake"
    write(partition(lake, "vehicle_data", "2024-03-01", "00"), vehicles(3))
    crawl(lake, backend.catalog, database=backend.database)
    fuel = pa.array([50.0, 51.0], pa.float64())
    write(partition(lake, "vehicle_data", "2024-03-01", "01"), vehicles(2, 3, fuel_pct=fuel))

    report = crawl(lake, backend.catalog, database=backend.database, policy=policy)

    changes = [(c.table, c.column, c.type, c.action) for c in report.schema_changes]
    spec = backend.catalog.get_table(backend.database, "vehicle_data")
    assert spec is not None
    registered = backend.catalog.list_partitions(backend.database, "vehicle_data")
    names = [c.name for c in spec.columns]
    if policy == "add-columns":
        assert report.ok
        assert changes == [("vehicle_data", "fuel_pct", "double", "added")]
        assert names == ["vehicle_id", "seq", "speed_kmh", "ts", "fuel_pct"]
        assert registered == {"dt=2024-03-01/hr=00", "dt=2024-03-01/hr=01"}
        if backend.spark is not None:
            got = rows(
                backend.spark,
                backend.database,
                "SELECT seq, fuel_pct FROM vehicle_data ORDER BY seq",
            )
            assert [(r["seq"], r["fuel_pct"]) for r in got] == [
                (0, None),
                (1, None),
                (2, None),
                (3, 50.0),
                (4, 51.0),
            ]
    elif policy == "log":
        assert report.ok
        assert changes == [("vehicle_data", "fuel_pct", "double", "ignored")]
        assert names == ["vehicle_id", "seq", "speed_kmh", "ts"]
        assert registered == {"dt=2024-03-01/hr=00", "dt=2024-03-01/hr=01"}
        if backend.spark is not None:
            assert _queried(backend, "vehicle_data") == _expected(vehicles(3), vehicles(2, 3))
    else:
        assert not report.ok
        assert changes == [("vehicle_data", "fuel_pct", "double", "rejected")]
        assert names == ["vehicle_id", "seq", "speed_kmh", "ts"]
        assert registered == {"dt=2024-03-01/hr=00"}
        assert [(s.kind, s.path) for s in report.skipped] == [
            ("schema_change", "vehicle_data/dt=2024-03-01/hr=01")
        ]


def test_compatible_schemas_merge_in_one_crawl(backend: Backend, tmp_path: Path) -> None:
    """int8/int16/int32 (all Parquet INT32) merge into int; a new column merges in."""
    lake = tmp_path / "lake"
    small = vehicles(2).set_column(1, "seq", pa.array([0, 1], pa.int16()))
    write(partition(lake, "vehicle_data", "2024-03-01", "00"), small)
    tiny = vehicles(2, 2).set_column(1, "seq", pa.array([2, 3], pa.int8()))
    write(partition(lake, "vehicle_data", "2024-03-01", "01"), tiny)
    write(
        partition(lake, "vehicle_data", "2024-03-01", "02"),
        vehicles(1, 4, make=pa.array(["Ford"])),
    )

    report = crawl(lake, backend.catalog, database=backend.database)

    assert report.skipped == () and report.schema_changes == ()
    spec = backend.catalog.get_table(backend.database, "vehicle_data")
    assert spec is not None
    assert [(c.name, c.type) for c in spec.columns] == [
        ("vehicle_id", "string"),
        ("seq", "int"),
        ("speed_kmh", "double"),
        ("ts", "timestamp"),
        ("make", "string"),
    ]
    if backend.spark is not None:
        got = rows(
            backend.spark, backend.database, "SELECT seq, make FROM vehicle_data ORDER BY seq"
        )
        assert [(r["seq"], r["make"]) for r in got] == [
            (0, None),
            (1, None),
            (2, None),
            (3, None),
            (4, "Ford"),
        ]


def test_the_tutorial_layout(backend: Backend, tmp_path: Path) -> None:
    """``data/<topic>/part-*.parquet`` with Spark's side files, camelCase columns.

    (No ``_spark_metadata`` here: Spark readers, unlike the crawler, Glue and Spectrum,
    would then read only the files its log lists.)
    """
    data = tmp_path / "data"
    tutorial = pa.table(
        {
            "id": pa.array(["a", "b", "c"]),
            "deviceId": pa.array(["Vehicle-1", "Vehicle-2", "Vehicle-1"]),
            "timestamp": pa.array([1, 2, 3], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "location": pa.array([[51.5, -0.1], [51.6, -0.2], [51.7, -0.3]]),
            "speed": pa.array([20.5, 30.0, 40.25]),
        }
    )
    write(data / "vehicle_data" / "part-00000-1b2c-c000.snappy.parquet", tutorial.slice(0, 2))
    write(data / "vehicle_data" / "part-00001-1b2c-c000.snappy.parquet", tutorial.slice(2))
    (data / "vehicle_data" / "_SUCCESS").write_text("")
    (data / "vehicle_data" / ".part-00000-1b2c-c000.snappy.parquet.crc").write_bytes(b"crc")
    (data / "_checkpoints" / "offsets").mkdir(parents=True)
    (data / "_checkpoints" / "offsets" / "0").write_text("v1")
    gps = pa.table({"id": pa.array(["g"]), "deviceId": pa.array(["Vehicle-1"])})
    write(data / "gps_data" / "part-00000-9f.snappy.parquet", gps)

    report = crawl(data, backend.catalog, database=backend.database)

    assert report.skipped == ()
    assert sorted(t.table for t in report.tables) == ["gps_data", "vehicle_data"]
    vd = report.table("vehicle_data")
    assert vd is not None and vd.partition_keys == () and vd.rows_added == 3
    spec = backend.catalog.get_table(backend.database, "vehicle_data")
    assert spec is not None
    assert [(c.name, c.type) for c in spec.columns] == [
        ("id", "string"),
        ("deviceid", "string"),
        ("timestamp", "timestamp"),
        ("location", "array<double>"),
        ("speed", "double"),
    ]
    if backend.spark is not None:
        got = rows(
            backend.spark,
            backend.database,
            "SELECT id, deviceid, location, speed FROM vehicle_data",
        )
        assert sorted((r["id"], r["deviceid"], r["location"], r["speed"]) for r in got) == sorted(
            (r["id"], r["deviceId"], r["location"], r["speed"]) for r in tutorial.to_pylist()
        )


def test_bad_input_is_reported_and_skipped(backend: Backend, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    good = write(partition(lake, "vehicle_data", "2024-03-01", "00"), vehicles(5))
    (lake / "vehicle_data" / "dt=2024-03-01" / "hr=01").mkdir(parents=True)
    write(partition(lake, "vehicle_data", "2024-03-01", "02"), vehicles(2, 5))
    (partition(lake, "vehicle_data", "2024-03-01", "02", "notes.txt")).write_text("hello")
    truncated_parquet(partition(lake, "vehicle_data", "2024-03-01", "03"))
    text_speed = vehicles(2, 9).set_column(2, "speed_kmh", pa.array(["fast", "slow"]))
    write(partition(lake, "vehicle_data", "2024-03-01", "04"), text_speed)
    nanos = vehicles(2, 11).set_column(3, "ts", vehicles(2).column("ts").cast(pa.timestamp("ns")))
    write(partition(lake, "vehicle_data", "2024-03-01", "05"), nanos)
    write(lake / "vehicle_data" / "dt=2024-03-02" / "part-0.parquet", vehicles(1, 13))
    write(lake / "vehicle_data" / "stray.parquet", vehicles(1, 14))
    (lake / "empty_table").mkdir()
    write(lake / "broken" / "good.parquet", vehicles(2))
    (lake / "broken" / "bad.parquet").write_bytes(b"PAR1 not really")
    untyped = pa.table({"a": pa.array([None, None], pa.null())})
    write(lake / "untyped" / "x.parquet", untyped)
    (lake / "README.md").write_text("the lake")

    report = crawl(lake, backend.catalog, database=backend.database)

    skipped = {(s.kind, s.path) for s in report.skipped}
    assert skipped == {
        ("empty", "vehicle_data/dt=2024-03-01/hr=01"),
        ("not_parquet", "vehicle_data/dt=2024-03-01/hr=02/notes.txt"),
        ("corrupt", "vehicle_data/dt=2024-03-01/hr=03/part-0.parquet"),
        ("incompatible", "vehicle_data/dt=2024-03-01/hr=04"),
        ("unsupported_type", "vehicle_data/dt=2024-03-01/hr=05/part-0.parquet"),
        ("layout", "vehicle_data/dt=2024-03-02/part-0.parquet"),
        ("layout", "vehicle_data/stray.parquet"),
        ("empty", "empty_table"),
        ("corrupt", "broken/bad.parquet"),
        ("no_table", "broken"),
        ("unsupported_type", "untyped/x.parquet"),
        ("no_table", "untyped"),
        ("outside_table", "README.md"),
    }
    reasons = {s.path: s.reason for s in report.skipped}
    assert "speed_kmh" in reasons["vehicle_data/dt=2024-03-01/hr=04"]
    assert "nanosecond" in reasons["vehicle_data/dt=2024-03-01/hr=05/part-0.parquet"]
    assert "not registered" in reasons["vehicle_data/dt=2024-03-01/hr=02/notes.txt"]
    assert [t.table for t in report.tables] == ["vehicle_data"]
    assert backend.catalog.get_table(backend.database, "broken") is None
    assert backend.catalog.get_table(backend.database, "untyped") is None
    assert backend.catalog.list_partitions(backend.database, "vehicle_data") == {
        "dt=2024-03-01/hr=00"
    }
    if backend.spark is not None:
        assert good.exists()
        assert _queried(backend, "vehicle_data") == _expected(vehicles(5))


def test_a_table_with_other_partition_keys_is_left_alone(backend: Backend, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    write(lake / "t" / "dt=2024-03-01" / "part-0.parquet", vehicles(2))
    crawl(lake, backend.catalog, database=backend.database)
    other = tmp_path / "other"
    write(partition(other, "t", "2024-03-01", "00"), vehicles(2))

    report = crawl(other, backend.catalog, database=backend.database)

    assert [(s.kind, s.path) for s in report.skipped] == [("layout", "t")]
    assert backend.catalog.list_partitions(backend.database, "t") == {"dt=2024-03-01"}


def test_a_root_that_is_one_table(backend: Backend, tmp_path: Path) -> None:
    folder = tmp_path / "lake" / "vehicle_data"
    write(partition(folder.parent, "vehicle_data", "2024-03-01", "00"), vehicles(2))
    report = crawl(folder, backend.catalog, database=backend.database)
    assert [t.table for t in report.tables] == ["vehicle_data"]
    assert report.totals["partitions_added"] == 1


def test_a_missing_root_is_an_error(tmp_path: Path, glue_moto: Backend) -> None:
    with pytest.raises(LakeNotFoundError):
        crawl(tmp_path / "nowhere", glue_moto.catalog, database=glue_moto.database)
