"""The producer's progress file (``producer.jsonl``), read by the chaos run as it grows.

``vts.chaos.worker`` appends one JSON line per event: ``{"t": <unix time>, "i": <window>,
"state": "begin" | "done" | "error", ...}``, and ``{"state": "finished"}`` at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Progress:
    """The producer's progress file, read as it grows."""

    path: Path
    offset: int = 0
    done: dict[int, float] = field(default_factory=dict)  # window -> when it completed
    begun: dict[int, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    already: int = 0
    finished: bool = False

    def read(self) -> None:
        if not self.path.exists():
            return
        with self.path.open() as f:
            f.seek(self.offset)
            for line in f:
                if not line.endswith("\n"):
                    break  # a line still being written
                self.offset += len(line.encode())
                note = json.loads(line)
                state = note.get("state")
                if state == "begin":
                    self.begun[note["i"]] = note["t"]
                elif state == "done":
                    self.done[note["i"]] = note["t"]
                    self.already += bool(note.get("already"))
                elif state == "error":
                    self.errors.append(note["error"])
                elif state == "finished":
                    self.finished = True

    def first_missing(self, count: int) -> int:
        return next((i for i in range(count) if i not in self.done), count)
