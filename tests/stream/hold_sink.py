"""The Glue job script, held at a step of one micro-batch's commit until it is killed.

    python -m tests.stream.hold_sink <step>@<batch> <marker> <job script> [job args...]

Steps: ``staged`` (the batch's files staged, nothing of it published), ``commit_batch``'s
own (``manifest``, ``stale``, ``renamed:<k>``: tests/stream/steps.py) and ``published``
(every file published, the batch not committed to the checkpoint yet). There the sink
writes ``<batch> <step>`` to ``marker`` and sleeps until killed. The hold is a patch of the
sink's ``commit_batch``, made here in the job's own process, so production code carries
no test hook (as tests/functions/hold_before_commit.py holds the simulator's Lambda).
"""

from __future__ import annotations

import runpy
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import vts.stream.sink
from tests.stream.steps import StepStore
from vts.storage.base import FileStore
from vts.stream.commit import CommitResult, StagedFile

_commit_batch = vts.stream.sink.commit_batch


def main() -> None:
    spec, marker, script, *args = sys.argv[1:]
    step, _, held_batch = spec.rpartition("@")

    def hold(batch_id: int, at: str) -> None:
        if at == step and batch_id == int(held_batch):
            Path(marker).write_text(f"{batch_id} {at}\n")
            while True:
                time.sleep(1)

    def commit_batch(
        store: FileStore, manifest_path: str, batch_id: int, staged: Sequence[StagedFile]
    ) -> CommitResult:
        hold(batch_id, "staged")
        steps = StepStore(store, lambda at: hold(batch_id, at))
        result = _commit_batch(steps, manifest_path, batch_id, staged)
        hold(batch_id, "published")
        return result

    vts.stream.sink.commit_batch = commit_batch
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
