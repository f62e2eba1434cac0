"""The lake layout: folders, deterministic file names, staging on the table's filesystem."""

from __future__ import annotations

from vts.stream.layout import LakeLayout, batch_of, partition_values


def test_names_are_deterministic_and_carry_batch_query_table_partition() -> None:
    layout = LakeLayout("/v/lake", "/v/lake/quarantine", "/v/ckpt")
    path = layout.final_path(42, "1a2b3c4d", "gps_data", "2024-03-01", "10", 0)
    assert path == layout.final_path(42, "1a2b3c4d", "gps_data", "2024-03-01", "10", 0)
    assert path == (
        "/v/lake/gps_data/dt=2024-03-01/hr=10/b0000000042-1a2b3c4d-gps_data-2024-03-01-10-000.parquet"
    )
    assert layout.final_path(7, "q", "quarantine", "2024-03-01", "10", 1).startswith(
        "/v/lake/quarantine/dt=2024-03-01/hr=10/b0000000007-q-quarantine-"
    )
    assert partition_values(path) == {"dt": "2024-03-01", "hr": "10"}
    assert batch_of(layout.manifest_path(42)) == 42
    assert batch_of("/x/_staging/q/b0000000003") == 3 and batch_of("/x/other") is None


def test_staging_is_hidden_and_on_the_same_filesystem() -> None:
    same = LakeLayout("s3://bucket/data", "s3://bucket/quarantine", "s3://bucket/ckpt")
    assert same.staging_dir("quarantine", "q", 1).startswith("s3://bucket/data/_staging/q/")
    other = LakeLayout("s3://lake/data", "s3://dead-letters/q", "s3://lake/ckpt")
    assert other.staging_dir("quarantine", "q", 1).startswith("s3://dead-letters/q/_staging/")
    assert other.staging_dir("gps_data", "q", 1) == "s3://lake/data/_staging/q/b0000000001/gps_data"
    assert other.query_metadata == "s3://lake/ckpt/metadata"
