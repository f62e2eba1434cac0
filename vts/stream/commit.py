"""Publishing a micro-batch's staged files under their deterministic names, crash-safely.

A batch's files are first written into a hidden staging folder (``_staging/...``) under
names of their own (by the job's Python workers, or by the sink where it combines their
files: ``vts.stream.staging``). ``commit_batch`` then, for batch ``N``:

1. reads batch ``N``'s manifest, if an earlier attempt left one (``files`` it published,
   ``stale`` files it had still to remove);
2. writes the new manifest atomically: this attempt's final names, and as ``stale``
   every earlier name this attempt will not produce;
3. deletes the ``stale`` files;
4. moves each staged file onto its final name (replacing an earlier attempt's file):
   a rename, or on S3 a copy then a delete (``FileStore.rename``).

Invariant: every final-named file of batch ``N`` that exists is listed in the latest
manifest (a file only appears through step 4, after step 2 listed it), and each attempt
removes everything its manifest lists but does not produce. So when an attempt finishes,
exactly its files are visible; if it dies half-way (``kill -9``), Spark replays batch
``N`` from the checkpoint and the next attempt finishes the job. Readers may briefly see
part of a batch that is being committed, never a partial file (moves are atomic) and,
once it is committed, never a duplicate or an orphan. An attempt that publishes nothing
after one that published writes an empty manifest and removes the earlier files; with no
earlier attempt it writes nothing. The latest manifest of a committed batch therefore
lists exactly what its final attempt published (``vts.stream.ledger`` keeps that after
the manifest is gone). docs/exactly-once.md has the whole argument.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from vts.storage.base import FileStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StagedFile:
    """A file Spark wrote (``staged``) and the deterministic name it is published under."""

    staged: str
    final: str


@dataclass(frozen=True)
class Manifest:
    """What batch ``batch_id``'s latest commit attempt publishes and must remove."""

    batch_id: int
    files: tuple[str, ...]
    stale: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {"batch_id": self.batch_id, "files": list(self.files), "stale": list(self.stale)},
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(int(data["batch_id"]), tuple(data["files"]), tuple(data.get("stale", ())))


@dataclass(frozen=True)
class CommitResult:
    files: int
    replaced_attempt: bool
    removed: int


def commit_batch(
    store: FileStore,
    manifest_path: str,
    batch_id: int,
    staged: Sequence[StagedFile],
) -> CommitResult:
    """Publish ``staged`` as batch ``batch_id`` (idempotent; safe to re-run after a crash)."""
    finals = [s.final for s in staged]
    if len(set(finals)) != len(finals):
        raise ValueError(f"batch {batch_id} maps two staged files to one final name")
    text = store.read_text(manifest_path)
    previous = Manifest.from_json(text) if text is not None else None
    if previous is None and not staged:
        return CommitResult(files=0, replaced_attempt=False, removed=0)
    earlier = set(previous.files) | set(previous.stale) if previous else set()
    stale = tuple(sorted(earlier - set(finals)))
    store.write_text(manifest_path, Manifest(batch_id, tuple(sorted(finals)), stale).to_json())
    for path in stale:
        store.delete(path)
    for item in staged:
        store.rename(item.staged, item.final)
    if previous is not None:
        logger.info(
            "batch %d re-committed over an earlier attempt (%d stale files removed)",
            batch_id,
            len(stale),
        )
    return CommitResult(
        files=len(staged), replaced_attempt=previous is not None, removed=len(stale)
    )
