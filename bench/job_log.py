"""The Glue job script as a process of its own, its log read as it is written: each line
of its stderr is appended to ``log`` and handed to ``on_line`` (the soak parses its batch
lines there, the start-up benchmark its milestones). ``bench.soak_processes.JobProcess``
and ``bench.bench_startup``'s job are the two readers."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path


class LoggedJob:
    """The script started in a session of its own (the script, its JVM and its Python
    workers are one process group); a thread reads its stderr. A subclass sets up what
    ``on_line`` fills before calling ``__init__``: lines arrive as soon as it returns."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.started = time.monotonic()
        self.process = subprocess.Popen(  # noqa: S603 - our own script, arguments we built
            argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: the script, its JVM, workers
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def on_line(self, line: str) -> None:
        """One line of the log, as it was written (called on the reader's thread)."""

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.log.open("w") as out:
            for line in self.process.stderr:
                out.write(line)
                self.on_line(line)

    def wait_until(
        self, done: Callable[[], bool], what: str, timeout: float, poll_s: float
    ) -> None:
        """Return once ``done()``; if the script exits or ``timeout`` passes first, fail with
        ``the job never <what>`` and the log's tail."""
        deadline = time.monotonic() + timeout
        while not done():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._reader.join(5)
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the job never {what}:\n{tail}")
            time.sleep(poll_s)

    def kill(self) -> float:
        """SIGKILL the script and its JVM at once, as when a host dies (if it still runs);
        when (``time.monotonic()``)."""
        killed = time.monotonic()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self._reader.join(30)
        if not self._reader.is_alive() and self.process.stderr is not None:
            self.process.stderr.close()  # read to its end
        return killed
