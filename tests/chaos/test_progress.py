"""The chaos run reads the producer's progress file while the producer still writes it."""

from __future__ import annotations

import json
from pathlib import Path

from vts.chaos.progress import Progress


def _line(**fields: object) -> str:
    return json.dumps({"t": 1.5, **fields}) + "\n"


def test_progress_reads_whole_lines_as_the_file_grows(tmp_path: Path) -> None:
    path = tmp_path / "producer.jsonl"
    progress = Progress(path)
    progress.read()  # no file yet: nothing read, no error
    assert progress.done == {} and not progress.finished

    done = _line(i=0, state="done", already=True)
    path.write_text(_line(i=0, state="begin") + done[:10])  # the second line half written
    progress.read()
    assert progress.begun == {0: 1.5} and progress.done == {}

    with path.open("a") as f:
        f.write(done[10:] + _line(i=1, state="error", error="boom") + _line(state="finished"))
    progress.read()
    assert progress.done == {0: 1.5} and progress.already == 1
    assert progress.errors == ["boom"] and progress.finished
    assert progress.first_missing(3) == 1
