"""Which files are published, over more batches than the sink keeps manifests of: the
ledger (``vts.stream.ledger``) on the local filesystem, driven the way the sink drives it,
with Spark's commit log written as Spark writes it (one file per committed batch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vts.storage.files import ArrowFiles
from vts.stream.commit import StagedFile, commit_batch
from vts.stream.layout import LakeLayout
from vts.stream.ledger import KEEP_MANIFESTS, LEDGER_CHUNK, Ledger, read_published


class Killed(Exception):
    """Stands in for kill -9."""


def _layout(tmp_path: Path) -> LakeLayout:
    return LakeLayout(str(tmp_path / "lake"), str(tmp_path / "q"), str(tmp_path / "ckpt"))


def _write_batch(store: ArrowFiles, layout: LakeLayout, ledger: Ledger, batch: int) -> list[str]:
    """One batch as the sink writes it (a file of two tables), then committed as Spark
    commits it: the final paths it published."""
    staged = []
    for table in ("vehicle_data", "gps_data"):
        src = Path(layout.staging_dir(table, "q", batch)) / "part.parquet"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(f"{batch}")
        staged.append(StagedFile(str(src), layout.final_path(batch, "q", table, "d", "0", 0)))
    commit_batch(store, layout.manifest_path(batch), batch, staged)
    ledger.slide(batch)
    store.write_text(f"{layout.commit_log}/{batch}", "v1\n{}")
    return [s.final for s in staged]


def test_every_committed_batch_stays_published_after_its_manifest_is_gone(
    tmp_path: Path,
) -> None:
    store, layout = ArrowFiles(), _layout(tmp_path)
    ledger = Ledger(store, layout)
    batches = LEDGER_CHUNK + 2 * KEEP_MANIFESTS  # the ledger spans two objects
    finals = {b: _write_batch(store, layout, ledger, b) for b in range(batches)}

    published = read_published(store, layout)

    assert published == {b: tuple(sorted(f)) for b, f in finals.items()}
    manifests = store.list_files(layout.manifest_dir)
    assert len(manifests) == KEEP_MANIFESTS + 1  # the window is still pruned
    assert [Path(p).name for p in store.list_files(layout.ledger_dir)] == [
        "b0000000000.json",
        f"b{LEDGER_CHUNK:010d}.json",
    ]


def test_an_attempt_in_flight_is_not_published_until_spark_commits_its_batch(
    tmp_path: Path,
) -> None:
    store, layout = ArrowFiles(), _layout(tmp_path)
    ledger = Ledger(store, layout)
    for batch in range(3):
        _write_batch(store, layout, ledger, batch)
    store.delete(f"{layout.commit_log}/2")  # killed after publishing, before Spark's commit

    assert sorted(read_published(store, layout)) == [0, 1]
    assert read_published(ArrowFiles(), _layout(tmp_path / "none")) == {}


def test_a_kill_between_the_ledger_and_the_manifests_delete_loses_nothing(
    tmp_path: Path,
) -> None:
    store, layout = ArrowFiles(), _layout(tmp_path)
    ledger = Ledger(store, layout)
    finals = {b: _write_batch(store, layout, ledger, b) for b in range(KEEP_MANIFESTS + 1)}

    class DiesOnDelete(ArrowFiles):
        def delete(self, path: str, *, recursive: bool = False) -> None:
            raise Killed(path)

    with pytest.raises(Killed):  # batch 11's attempt retires batch 0, dies before the delete
        Ledger(DiesOnDelete(), layout).retire(0)
    assert len(store.list_files(layout.manifest_dir)) == KEEP_MANIFESTS + 1  # 0 in both
    after = KEEP_MANIFESTS + 1  # the replay retires batch 0 again
    finals[after] = _write_batch(store, layout, Ledger(store, layout), after)

    assert read_published(store, layout) == {b: tuple(sorted(f)) for b, f in finals.items()}
    assert not store.exists(layout.manifest_path(0))
