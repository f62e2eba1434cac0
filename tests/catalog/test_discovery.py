"""Layout rules of the crawler, on listings alone (no files, no catalog)."""

from __future__ import annotations

from vts.catalog.discovery import discover, partition_of, table_name
from vts.storage.base import Entry


def _listing(*paths: str) -> list[Entry]:
    """Entries for ``paths`` (a trailing ``/`` marks a folder) and all their parent folders."""
    entries: dict[str, Entry] = {}
    for path in paths:
        parts = path.rstrip("/").split("/")
        for i in range(1, len(parts)):
            entries.setdefault("/".join(parts[:i]), Entry("/".join(parts[:i]), True))
        is_dir = path.endswith("/")
        entries[path.rstrip("/")] = Entry(path.rstrip("/"), is_dir, 0 if is_dir else 10)
    return sorted(entries.values(), key=lambda e: e.path)


def test_one_dataset_per_table_folder_with_its_partitions() -> None:
    layout = discover(
        _listing(
            "vehicle_data/dt=2024-03-01/hr=00/a.parquet",
            "vehicle_data/dt=2024-03-01/hr=00/b.parquet",
            "vehicle_data/dt=2024-03-01/hr=01/a.parquet",
            "roads/roads.parquet",
        ),
        "lake",
    )
    assert [d.name for d in layout.datasets] == ["roads", "vehicle_data"]
    roads, vehicle = layout.datasets
    assert roads.partition_keys == () and [u.path for u in roads.units] == ["roads"]
    assert vehicle.partition_keys == ("dt", "hr")
    assert [(u.path, u.spec, len(u.files)) for u in vehicle.units] == [
        ("vehicle_data/dt=2024-03-01/hr=00", "dt=2024-03-01/hr=00", 2),
        ("vehicle_data/dt=2024-03-01/hr=01", "dt=2024-03-01/hr=01", 1),
    ]
    assert vehicle.units[0].files[0].path == "vehicle_data/dt=2024-03-01/hr=00/a.parquet"


def test_hidden_files_and_folders_are_ignored() -> None:
    layout = discover(
        _listing(
            "t/part-0.parquet",
            "t/_SUCCESS",
            "t/.part-0.parquet.crc",
            "t/_spark_metadata/0",
            "_checkpoints/offsets/0",
            ".trash/x.parquet",
        ),
        "lake",
    )
    assert [d.name for d in layout.datasets] == ["t"]
    assert [f.path for u in layout.datasets[0].units for f in u.files] == ["t/part-0.parquet"]
    assert layout.skipped == ()


def test_files_in_nested_folders_of_a_partition_belong_to_it() -> None:
    layout = discover(_listing("t/dt=1/batch=7/sub/f.parquet", "t/dt=1/batch=7/g.parquet"), "x")
    (dataset,) = layout.datasets
    assert dataset.partition_keys == ("dt", "batch")
    assert [len(u.files) for u in dataset.units] == [2]


def test_the_most_common_key_layout_wins_and_the_rest_is_skipped() -> None:
    layout = discover(
        _listing(
            "t/dt=1/hr=0/a.parquet",
            "t/dt=1/hr=1/a.parquet",
            "t/dt=2/a.parquet",
            "t/loose.parquet",
        ),
        "lake",
    )
    (dataset,) = layout.datasets
    assert dataset.partition_keys == ("dt", "hr")
    assert {(s.kind, s.path) for s in dataset.skipped} == {
        ("layout", "t/dt=2/a.parquet"),
        ("layout", "t/loose.parquet"),
    }


def test_empty_folders_are_reported() -> None:
    layout = discover(
        _listing("t/dt=1/hr=0/a.parquet", "t/dt=1/hr=1/", "t/dt=3/", "empty/"), "lake"
    )
    empty = {(s.table, s.path, s.kind) for d in layout.datasets for s in d.skipped}
    assert empty == {
        ("t", "t/dt=1/hr=1", "empty"),
        ("t", "t/dt=3", "empty"),
        ("empty", "empty", "empty"),
    }
    assert [d.name for d in layout.datasets if d.units] == ["t"]


def test_a_root_with_partition_folders_is_one_table() -> None:
    layout = discover(_listing("dt=1/a.parquet", "dt=2/a.parquet"), "Vehicle Data")
    (dataset,) = layout.datasets
    assert (dataset.name, dataset.folder, dataset.partition_keys) == ("vehicle_data", "", ("dt",))
    assert [u.path for u in dataset.units] == ["dt=1", "dt=2"]


def test_a_root_with_only_files_is_one_table() -> None:
    layout = discover(_listing("a.parquet", "b.parquet"), "roads")
    assert [(d.name, len(d.units[0].files)) for d in layout.datasets] == [("roads", 2)]


def test_files_at_a_lake_root_with_table_folders_are_skipped() -> None:
    layout = discover(_listing("README.md", "t/a.parquet"), "lake")
    assert [(s.kind, s.path) for s in layout.skipped] == [("outside_table", "README.md")]


def test_partition_values_are_unescaped_and_keys_lower_cased() -> None:
    assert partition_of(("DT=2024-03-01%2010%3A00", "hr=07", "x")) == (
        ("dt", "2024-03-01 10:00"),
        ("hr", "07"),
    )


def test_table_names_are_catalog_safe() -> None:
    assert table_name("Vehicle-Data v2") == "vehicle_data_v2"
    assert table_name("---") == "table"
