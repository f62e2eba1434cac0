"""Which of the lake's files are published, however long the job has run.

A file is published when a committed micro-batch's final attempt produced it, however old
the batch. Every attempt at batch ``N`` writes ``N``'s manifest before it publishes a file
(``vts.stream.commit``), so the latest manifest of a committed batch lists exactly its
final attempt's files. The sink keeps the manifests of the last ``KEEP_MANIFESTS``
batches (what a replay reads); before it deletes an older one, it adds that batch's files
to the ledger, ``LEDGER_CHUNK`` batches per object::

    <checkpoint>/vts-sink/manifests/b<batch>.json   the latest attempt at each recent batch
    <checkpoint>/vts-sink/ledger/b<first>.json      batches <first> … <first> + 99: their files

A manifest leaves the window while the sink writes the batch ``KEEP_MANIFESTS + 1`` after
it, and Spark runs a batch only once the one before is committed: only committed batches
reach the ledger, and no attempt touches their files afterwards. The ledger object is
written before the manifest is deleted, so a crash in between leaves the batch in both,
alike (the replay of the batch in flight retires the same manifest again).

``published`` is the rule, for the sink's ledger and for whoever checks the lake
(``vts chaos``'s verdict): the ledger's batches, and the manifests of the batches Spark's
commit log has committed. A manifest of a later batch is an attempt still in flight: its
files are not published yet, and its replay replaces or removes them.

Cost: one ledger object per 100 batches, about 130 bytes per file it lists; per batch the
sink reads the manifest that leaves the window and rewrites the current ledger object (up
to 100 batches' names), where it used to only delete that manifest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from vts.storage.base import FileStore
from vts.stream.commit import Manifest
from vts.stream.layout import LakeLayout

KEEP_MANIFESTS = 10
LEDGER_CHUNK = 100

Published = dict[int, tuple[str, ...]]  # batch id -> the final paths its final attempt published


class StateFiles(Protocol):
    """Read access to the checkpoint: any ``FileStore``, or a reader without Spark."""

    def list_files(self, root: str) -> list[str]: ...

    def read_text(self, path: str) -> str | None: ...


@dataclass(frozen=True)
class LedgerChunk:
    """One ledger object: the published files of committed batches ``first`` onwards."""

    first: int
    batches: Mapping[int, tuple[str, ...]]

    def add(self, manifest: Manifest) -> LedgerChunk:
        if manifest.batch_id // LEDGER_CHUNK * LEDGER_CHUNK != self.first:
            raise ValueError(f"batch {manifest.batch_id} is not in the ledger at {self.first}")
        return LedgerChunk(self.first, {**self.batches, manifest.batch_id: manifest.files})

    def to_json(self) -> str:
        batches = {str(b): list(files) for b, files in sorted(self.batches.items())}
        return json.dumps({"first": self.first, "batches": batches}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> LedgerChunk:
        data = json.loads(text)
        batches = {int(b): tuple(files) for b, files in data["batches"].items()}
        return cls(int(data["first"]), batches)


class Ledger:
    """The sink's side: retire a manifest that leaves the window into the ledger."""

    def __init__(self, store: FileStore, layout: LakeLayout) -> None:
        self.store = store
        self.layout = layout
        self._chunk: LedgerChunk | None = None  # the ledger object last written, as written

    def slide(self, batch_id: int) -> None:
        """The sink is writing batch ``batch_id``: retire the manifest that leaves the window."""
        if batch_id - KEEP_MANIFESTS - 1 >= 0:
            self.retire(batch_id - KEEP_MANIFESTS - 1)

    def retire(self, batch_id: int) -> None:
        """Add committed batch ``batch_id``'s published files to the ledger, then delete its
        manifest (nothing to do when it has none: it published nothing)."""
        manifest_path = self.layout.manifest_path(batch_id)
        text = self.store.read_text(manifest_path)
        if text is None:
            return
        chunk = self._load(batch_id // LEDGER_CHUNK * LEDGER_CHUNK).add(Manifest.from_json(text))
        self.store.write_text(self.layout.ledger_path(chunk.first), chunk.to_json())
        self._chunk = chunk
        self.store.delete(manifest_path)

    def _load(self, first: int) -> LedgerChunk:
        if self._chunk is not None and self._chunk.first == first:
            return self._chunk
        text = self.store.read_text(self.layout.ledger_path(first))
        return LedgerChunk.from_json(text) if text is not None else LedgerChunk(first, {})


def last_committed(commit_log: Iterable[str]) -> int | None:
    """The newest batch id among the paths of Spark's commit log entries (``None``: none)."""
    ids = [int(name) for p in commit_log if (name := p.rstrip("/").rsplit("/", 1)[-1]).isdigit()]
    return max(ids, default=None)


def published(
    manifests: Iterable[Manifest], ledger: Iterable[LedgerChunk], committed: int | None
) -> Published:
    """What each committed batch's final attempt published (the module docstring's rule)."""
    found: Published = {}
    for chunk in ledger:
        found.update(chunk.batches)
    for manifest in manifests:
        if committed is not None and manifest.batch_id <= committed:
            found[manifest.batch_id] = manifest.files
    return {batch: files for batch, files in sorted(found.items()) if files}


def read_published(files: StateFiles, layout: LakeLayout) -> Published:
    """``published`` over the checkpoint of ``layout``, read through ``files``."""

    def texts(root: str) -> list[str]:
        found = (files.read_text(p) for p in files.list_files(root) if p.endswith(".json"))
        return [text for text in found if text is not None]

    return published(
        [Manifest.from_json(t) for t in texts(layout.manifest_dir)],
        [LedgerChunk.from_json(t) for t in texts(layout.ledger_dir)],
        last_committed(files.list_files(layout.commit_log)),
    )
