"""The sink's commit protocol on the local filesystem: a crash at any step, then a replay,
leaves exactly the replay's files visible (no partial, orphan or duplicate file). The
crashes are raised from the store as ``commit_batch`` passes each step
(tests/stream/steps.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.stream.steps import STEPS, StepStore
from vts.storage.base import FileStore
from vts.storage.files import ArrowFiles
from vts.stream.commit import Manifest, StagedFile, commit_batch


class Crash(Exception):
    """Stands in for kill -9 at a step of the commit."""


def _stage(root: Path, attempt: str, names: list[str]) -> list[StagedFile]:
    staged = []
    for name in names:
        src = root / "_staging" / attempt / name
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(f"{attempt}:{name}")
        staged.append(StagedFile(str(src), str(root / "lake" / name)))
    return staged


def _visible(root: Path) -> dict[str, str]:
    lake = root / "lake"
    return {
        str(p.relative_to(lake)): p.read_text()
        for p in lake.rglob("*")
        if p.is_file() and not any(part.startswith(("_", ".")) for part in p.parts)
    }


def crashing_at(step: str, store: FileStore) -> FileStore:
    """``store``, dying (``Crash``) when the commit reaches ``step``."""

    def at(reached: str) -> None:
        if reached == step:
            raise Crash(reached)

    return StepStore(store, at)


@pytest.mark.parametrize("step", STEPS)
def test_a_replay_after_a_crash_publishes_exactly_its_own_files(tmp_path: Path, step: str) -> None:
    store = ArrowFiles()
    manifest = str(tmp_path / "manifests" / "b0000000007.json")
    # the first attempt would publish a, b, c; it dies at `step`
    first = _stage(tmp_path, "first", ["dt=1/a.parquet", "dt=1/b.parquet", "dt=2/c.parquet"])
    with pytest.raises(Crash):
        commit_batch(crashing_at(step, store), manifest, 7, first)
    # whatever is visible now is complete and belongs to the batch
    for name, content in _visible(tmp_path).items():
        assert content == f"first:{name}"
    # the replay produces a different set (b moved to another partition as d)
    second = _stage(tmp_path, "second", ["dt=1/a.parquet", "dt=2/c.parquet", "dt=2/d.parquet"])
    result = commit_batch(store, manifest, 7, second)

    assert _visible(tmp_path) == {
        "dt=1/a.parquet": "second:dt=1/a.parquet",
        "dt=2/c.parquet": "second:dt=2/c.parquet",
        "dt=2/d.parquet": "second:dt=2/d.parquet",
    }
    assert result.replaced_attempt and result.files == 3


def test_a_second_crash_still_removes_the_first_attempts_orphans(tmp_path: Path) -> None:
    store = ArrowFiles()
    manifest = str(tmp_path / "m.json")
    first = _stage(tmp_path, "first", ["x.parquet", "y.parquet"])
    commit_batch(store, manifest, 1, first)  # published, then Spark died before its commit log
    second = _stage(tmp_path, "second", ["x.parquet"])
    with pytest.raises(Crash):  # dies after the manifest, before removing y
        commit_batch(crashing_at("manifest", store), manifest, 1, second)
    third = _stage(tmp_path, "third", ["z.parquet"])
    commit_batch(store, manifest, 1, third)

    assert _visible(tmp_path) == {"z.parquet": "third:z.parquet"}
    text = store.read_text(manifest)
    assert text is not None
    assert Manifest.from_json(text).files == (str(tmp_path / "lake" / "z.parquet"),)


def test_a_replay_that_publishes_nothing_removes_what_the_first_attempt_published(
    tmp_path: Path,
) -> None:
    store = ArrowFiles()
    manifest = str(tmp_path / "m.json")
    commit_batch(store, manifest, 4, _stage(tmp_path, "first", ["x.parquet", "y.parquet"]))

    result = commit_batch(store, manifest, 4, [])

    assert _visible(tmp_path) == {}
    assert result.removed == 2 and result.replaced_attempt
    text = store.read_text(manifest)
    assert text is not None and Manifest.from_json(text).files == ()
    # a batch that never published anything leaves no manifest at all
    assert commit_batch(store, str(tmp_path / "n.json"), 5, []).files == 0
    assert not (tmp_path / "n.json").exists()


def test_two_staged_files_cannot_share_a_final_name(tmp_path: Path) -> None:
    staged = _stage(tmp_path, "a", ["p.parquet"]) + _stage(tmp_path, "b", ["p.parquet"])
    with pytest.raises(ValueError, match="one final name"):
        commit_batch(ArrowFiles(), str(tmp_path / "m.json"), 3, staged)
    assert _visible(tmp_path) == {}
