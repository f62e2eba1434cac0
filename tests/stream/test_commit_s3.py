"""The sink's commit protocol on S3, where a rename is a copy then a delete (``integration``).

``HadoopFiles`` through the session's real Spark and Hadoop's S3A client, against moto's
S3 server (a mock, over HTTP): the same crash-at-every-step cases as
``tests/stream/test_commit.py`` runs on the local filesystem, plus what S3A alone gets
wrong: it refuses to "rename" onto an existing key, which every replay of a partly
published batch (and every rewritten manifest) needs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.aws import MotoServer
from tests.stream.steps import STEPS
from tests.stream.test_commit import Crash, crashing_at
from vts.storage.hadoop import HadoopFiles
from vts.stream.commit import StagedFile, commit_batch

pytestmark = pytest.mark.integration


def _stage(s3: Any, bucket: str, attempt: str, names: list[str]) -> list[StagedFile]:
    staged = []
    for name in names:
        key = f"data/_staging/{attempt}/{name}"
        s3.put_object(Bucket=bucket, Key=key, Body=f"{attempt}:{name}".encode())
        staged.append(StagedFile(f"s3://{bucket}/{key}", f"s3://{bucket}/data/t/{name}"))
    return staged


def _visible(s3: Any, bucket: str) -> dict[str, str]:
    """The table's objects a Hive-style reader lists, with their content."""
    listing = s3.list_objects_v2(Bucket=bucket, Prefix="data/t/").get("Contents", [])
    return {
        o["Key"][len("data/t/") :]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"]
        .read()
        .decode()
        for o in listing
        if not o["Key"].endswith("/")
    }


@pytest.mark.parametrize("step", STEPS)
def test_a_replay_after_a_crash_publishes_exactly_its_own_files_on_s3(
    spark: Any, moto_server: MotoServer, s3_bucket: str, step: str
) -> None:
    s3, store = moto_server.client("s3"), HadoopFiles(spark)
    manifest = f"s3a://{s3_bucket}/checkpoints/vts-sink/manifests/b0000000007.json"
    first = _stage(s3, s3_bucket, "first", ["dt=1/a.parquet", "dt=1/b.parquet", "dt=2/c.parquet"])
    with pytest.raises(Crash):
        commit_batch(crashing_at(step, store), manifest, 7, first)
    for name, content in _visible(s3, s3_bucket).items():
        assert content == f"first:{name}"
    # the replay produces another set (b moved to another partition as d) over the first's
    second = _stage(s3, s3_bucket, "second", ["dt=1/a.parquet", "dt=2/c.parquet", "dt=2/d.parquet"])
    result = commit_batch(store, manifest, 7, second)

    assert _visible(s3, s3_bucket) == {
        "dt=1/a.parquet": "second:dt=1/a.parquet",
        "dt=2/c.parquet": "second:dt=2/c.parquet",
        "dt=2/d.parquet": "second:dt=2/d.parquet",
    }
    assert result.replaced_attempt and result.files == 3
    # every staged object was moved (copied, then deleted); S3A leaves folder markers only
    staged = s3.list_objects_v2(Bucket=s3_bucket, Prefix="data/_staging/second/")
    assert all(o["Key"].endswith("/") for o in staged.get("Contents", []))


def test_s3_rename_replaces_and_write_text_overwrites_with_no_temporary(
    spark: Any, moto_server: MotoServer, s3_bucket: str
) -> None:
    s3, store = moto_server.client("s3"), HadoopFiles(spark)
    target = f"s3://{s3_bucket}/d/f.txt"
    store.write_text(target, "one")
    store.write_text(target, "two")  # S3A would refuse a temporary's rename onto it
    assert store.read_text(target) == "two"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]] == ["d/f.txt"]
    s3.put_object(Bucket=s3_bucket, Key="_staging/src.txt", Body=b"new")
    store.rename(f"s3://{s3_bucket}/_staging/src.txt", target)
    assert store.read_text(target) == "new" and not store.exists(
        f"s3://{s3_bucket}/_staging/src.txt"
    )
    assert store.read_text(f"s3://{s3_bucket}/missing") is None
    store.delete(f"s3://{s3_bucket}/missing")  # a missing path is fine


def test_a_failed_copy_never_publishes_a_partial_object(
    spark: Any, moto_server: MotoServer, s3_bucket: str
) -> None:
    """The copy is one upload: when it fails half-way it is aborted, the old object stays."""
    s3, store = moto_server.client("s3"), HadoopFiles(spark)
    target = f"s3://{s3_bucket}/data/t/a.parquet"
    store.write_text(target, "old")
    fs, jdst = store._fs(target)

    def half_then_fail(out: Any) -> None:
        out.write(bytearray(b"new, but cut sh"))
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        store._upload(fs, jdst, half_then_fail, 100)
    with pytest.raises(OSError, match="wrote 3 of 100 bytes"):
        store._upload(fs, jdst, lambda out: out.write(bytearray(b"new")), 100)
    assert _visible(s3, s3_bucket) == {"a.parquet": "old"}
