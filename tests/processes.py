"""What a running process prints, read as it comes, for tests that wait for a line.

A thread drains the pipe, so waiting has a deadline (``readline()`` on a pipe has none)
and the process never blocks on a full pipe.
"""

from __future__ import annotations

import subprocess
import threading
import time


class Printed:
    """The lines a process prints on stdout, read as they come (a thread drains the pipe)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.lines: list[str] = []
        self._stdout = proc.stdout
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self._stdout:
            self.lines.append(line)

    def until(self, marker: str, seconds: float) -> list[str]:
        """The lines so far, once one holds ``marker`` (or the deadline passes, or EOF)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self._reader.is_alive():
            if any(marker in line for line in self.lines):
                break
            time.sleep(0.05)
        return list(self.lines)

    def close(self) -> None:
        """Once the process has exited: the rest of what it printed, then the pipe closed."""
        self._reader.join(timeout=10)
        self._stdout.close()
