"""One behaviour suite for the ``Catalog`` interface, run against every backend:
Spark SQL on the real local Spark (integration) and the Glue API on moto (a mock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalog.conftest import Backend
from vts.catalog import Partition
from vts.catalog.base import Column, TableSpec
from vts.catalog.exceptions import CatalogError

COLUMNS = (Column("vehicle_id", "string"), Column("speed_kmh", "double"), Column("ts", "timestamp"))
KEYS = (Column("dt", "string"), Column("hr", "string"))


def _spec(backend: Backend, tmp_path: Path, name: str = "vehicle_data") -> TableSpec:
    return TableSpec(backend.database, name, f"file:{tmp_path / name}", COLUMNS, KEYS)


def _partition(tmp_path: Path, dt: str, hr: str) -> Partition:
    return Partition((("dt", dt), ("hr", hr)), f"file:{tmp_path}/vehicle_data/dt={dt}/hr={hr}")


def test_a_missing_table_is_none(backend: Backend) -> None:
    backend.catalog.ensure_database(backend.database)
    backend.catalog.ensure_database(backend.database)  # idempotent
    assert backend.catalog.get_table(backend.database, "nope") is None
    assert not backend.catalog.table_exists(backend.database, "nope")


def test_create_then_get_round_trips_the_definition(backend: Backend, tmp_path: Path) -> None:
    backend.catalog.ensure_database(backend.database)
    spec = _spec(backend, tmp_path)
    backend.catalog.create_table(spec)
    got = backend.catalog.get_table(backend.database, "vehicle_data")
    assert got is not None
    assert got.columns == COLUMNS
    assert got.partition_columns == KEYS
    assert got.location.rstrip("/").endswith(str(tmp_path / "vehicle_data"))
    assert backend.catalog.table_exists(backend.database, "vehicle_data")


def test_creating_an_existing_table_is_an_error(backend: Backend, tmp_path: Path) -> None:
    backend.catalog.ensure_database(backend.database)
    backend.catalog.create_table(_spec(backend, tmp_path))
    with pytest.raises(CatalogError):
        backend.catalog.create_table(_spec(backend, tmp_path))


def test_add_columns_appends_after_the_existing_ones(backend: Backend, tmp_path: Path) -> None:
    backend.catalog.ensure_database(backend.database)
    backend.catalog.create_table(_spec(backend, tmp_path))
    backend.catalog.add_columns(backend.database, "vehicle_data", [Column("fuel_pct", "double")])
    got = backend.catalog.get_table(backend.database, "vehicle_data")
    assert got is not None
    assert got.columns == (*COLUMNS, Column("fuel_pct", "double"))
    assert got.partition_columns == KEYS


def test_add_partitions_counts_only_new_ones(backend: Backend, tmp_path: Path) -> None:
    backend.catalog.ensure_database(backend.database)
    backend.catalog.create_table(_spec(backend, tmp_path))
    first = [_partition(tmp_path, "2024-03-01", f"{h:02d}") for h in range(3)]
    assert backend.catalog.add_partitions(backend.database, "vehicle_data", first) == 3
    again = [*first, _partition(tmp_path, "2024-03-01", "03")]
    assert backend.catalog.add_partitions(backend.database, "vehicle_data", again) == 1
    assert backend.catalog.add_partitions(backend.database, "vehicle_data", []) == 0
    assert backend.catalog.list_partitions(backend.database, "vehicle_data") == {
        f"dt=2024-03-01/hr={h:02d}" for h in range(4)
    }


def test_many_partitions_go_in_chunks(backend: Backend, tmp_path: Path) -> None:
    """More than one Glue BatchCreatePartition call (100 each) and one ALTER TABLE (200)."""
    backend.catalog.ensure_database(backend.database)
    backend.catalog.create_table(_spec(backend, tmp_path))
    parts = [
        _partition(tmp_path, f"2024-03-{d:02d}", f"{h:02d}") for d in (1, 2) for h in range(24)
    ]
    parts += [
        _partition(tmp_path, f"2024-04-{d:02d}", f"{h:02d}") for d in range(1, 11) for h in (0, 12)
    ]
    parts += [
        _partition(tmp_path, f"2024-05-{d:02d}", f"{h:02d}")
        for d in range(1, 31)
        for h in (0, 12, 18)
    ]
    assert len(parts) == 158
    assert backend.catalog.add_partitions(backend.database, "vehicle_data", parts) == len(parts)
    assert backend.catalog.list_partitions(backend.database, "vehicle_data") == {
        p.spec for p in parts
    }


def test_partition_values_with_special_characters_round_trip(
    backend: Backend, tmp_path: Path
) -> None:
    backend.catalog.ensure_database(backend.database)
    backend.catalog.create_table(_spec(backend, tmp_path))
    odd = _partition(tmp_path, "2024-03-01 10:00", "it's")
    assert backend.catalog.add_partitions(backend.database, "vehicle_data", [odd]) == 1
    assert backend.catalog.list_partitions(backend.database, "vehicle_data") == {odd.spec}
    assert backend.catalog.add_partitions(backend.database, "vehicle_data", [odd]) == 0


def test_unpartitioned_tables_have_no_partitions(backend: Backend, tmp_path: Path) -> None:
    backend.catalog.ensure_database(backend.database)
    spec = TableSpec(backend.database, "roads", f"file:{tmp_path / 'roads'}", COLUMNS)
    backend.catalog.create_table(spec)
    got = backend.catalog.get_table(backend.database, "roads")
    assert got is not None and got.partition_columns == ()
    assert backend.catalog.list_partitions(backend.database, "roads") == set()


def test_partitions_of_a_missing_table_is_an_error(backend: Backend) -> None:
    backend.catalog.ensure_database(backend.database)
    with pytest.raises(CatalogError):
        backend.catalog.list_partitions(backend.database, "nope")
