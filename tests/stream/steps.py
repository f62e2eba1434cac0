"""The steps of ``vts.stream.commit.commit_batch``, as a test sees them pass: a ``FileStore``
that forwards every call to the real one and reports each step on the way.

``commit_batch`` writes one file (the manifest), deletes the stale files, then moves the
staged files one by one, so the steps are: ``manifest`` (the manifest written), ``stale``
(the stale files deleted: just before the first move) and ``renamed:<k>`` (the ``k``-th
file moved). A test crashes the commit at a step by raising there (tests/stream/
test_commit.py), or holds the job's process there until it is killed
(tests/stream/hold_sink.py), so production code carries no test hook.
"""

from __future__ import annotations

from collections.abc import Callable

from vts.storage.base import FileStore

STEPS = ("manifest", "stale", "renamed:1", "renamed:2")


class StepStore(FileStore):
    """``store``, calling ``at(step)`` as ``commit_batch`` passes each of its steps."""

    def __init__(self, store: FileStore, at: Callable[[str], None]) -> None:
        self.store = store
        self.at = at
        self.moved = 0

    def exists(self, path: str) -> bool:
        return self.store.exists(path)

    def list_files(self, root: str) -> list[str]:
        return self.store.list_files(root)

    def list_dirs(self, root: str) -> list[str]:
        return self.store.list_dirs(root)

    def delete(self, path: str, *, recursive: bool = False) -> None:
        self.store.delete(path, recursive=recursive)

    def rename(self, src: str, dst: str) -> None:
        if self.moved == 0:
            self.at("stale")
        self.store.rename(src, dst)
        self.moved += 1
        self.at(f"renamed:{self.moved}")

    def read_text(self, path: str) -> str | None:
        return self.store.read_text(path)

    def write_text(self, path: str, text: str) -> None:
        self.store.write_text(path, text)
        self.at("manifest")
