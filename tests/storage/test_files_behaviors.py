"""One behaviour suite for ``ArrowFiles`` on each backend: ``local`` (a temporary folder)
and ``s3`` (a fresh bucket on moto's server, a mock of S3 over HTTP, reached through
pyarrow's S3 client with an endpoint override), so both keep the ``FileStore`` contract
the sink's commit and the lake's readers rely on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from tests.fixtures.aws import FAKE_CREDENTIALS, MotoServer
from vts.exceptions import ConfigError
from vts.storage.exceptions import LakeNotFoundError
from vts.storage.files import ArrowFiles
from vts.storage.lake import LakeFS


@pytest.fixture(params=["local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ArrowFiles, str]]:
    """A store and an empty root of the backend: a folder, or ``s3a://`` on moto."""
    if request.param == "local":
        yield ArrowFiles(), str(tmp_path / "root")
        return
    moto: MotoServer = request.getfixturevalue("moto_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    with pytest.MonkeyPatch.context() as env:
        for key, value in {**FAKE_CREDENTIALS, "AWS_REGION": "us-east-1"}.items():
            env.setenv(key, value)
        yield ArrowFiles(moto.url, "us-east-1"), f"s3a://{bucket}/root"


def test_write_text_replaces_whole_and_leaves_no_temporary(place: tuple[ArrowFiles, str]) -> None:
    store, root = place
    target = f"{root}/d/f.txt"
    store.write_text(target, "one")
    store.write_text(target, "two")
    assert store.read_text(target) == "two"
    assert store.list_files(root) == [target]
    assert store.exists(target) and not store.exists(f"{root}/d/g.txt")


def test_rename_replaces_the_target_and_removes_the_source(place: tuple[ArrowFiles, str]) -> None:
    store, root = place
    store.write_text(f"{root}/a/src.txt", "new")
    store.write_text(f"{root}/b/dst.txt", "old")
    store.rename(f"{root}/a/src.txt", f"{root}/b/dst.txt")
    assert store.read_text(f"{root}/b/dst.txt") == "new"
    assert store.read_text(f"{root}/a/src.txt") is None
    store.rename(f"{root}/b/dst.txt", f"{root}/c/new/moved.txt")  # into a new folder
    assert store.list_files(root) == [f"{root}/c/new/moved.txt"]


def test_listing_and_deleting(place: tuple[ArrowFiles, str]) -> None:
    store, root = place
    assert store.list_files(root) == [] and store.list_dirs(root) == []
    for name in ("t/dt=1/x.parquet", "t/dt=2/y.parquet", "u/z.json"):
        store.write_text(f"{root}/{name}", name)
    assert store.list_files(f"{root}/t") == [f"{root}/t/dt=1/x.parquet", f"{root}/t/dt=2/y.parquet"]
    assert store.list_dirs(root) == [f"{root}/t", f"{root}/u"]
    store.delete(f"{root}/missing.txt")  # a missing path is fine
    with pytest.raises(IsADirectoryError):
        store.delete(f"{root}/t")
    store.delete(f"{root}/u/z.json")
    store.delete(f"{root}/t", recursive=True)
    assert store.list_files(root) == []


def test_parquet_round_trip_replaces_the_file(place: tuple[ArrowFiles, str]) -> None:
    store, root = place
    path = f"{root}/t/p.parquet"
    store.write_parquet(path, pa.table({"x": [1], "y": ["a"]}))
    store.write_parquet(path, pa.table({"x": [2, 3], "y": ["b", "c"]}))
    assert store.read_parquet(path, columns=["x"]).to_pydict() == {"x": [2, 3]}
    assert store.list_files(root) == [path]


def test_a_lake_root_lists_relative_entries_and_keeps_the_scheme(
    place: tuple[ArrowFiles, str],
) -> None:
    store, root = place
    store.write_parquet(f"{root}/t/dt=1/p.parquet", pa.table({"x": [1]}))
    lake = LakeFS(store, root)
    assert [(e.path, e.is_dir) for e in lake.list()] == [
        ("t", True),
        ("t/dt=1", True),
        ("t/dt=1/p.parquet", False),
    ]
    assert lake.uri("t").split(":", 1)[0] == ("s3a" if root.startswith("s3a:") else "file")
    with lake.open_input("t/dt=1/p.parquet") as handle:
        assert handle.size() == lake.list()[-1].size > 0
    with pytest.raises(LakeNotFoundError):
        LakeFS(store, f"{root}/nothing").list()


def test_an_unknown_scheme_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="unknown scheme 'gs'") as raised:
        ArrowFiles().read_text("gs://bucket/x")
    assert "s3a://" in str(raised.value.hint)
