"""Instructions a server runs for a piece of work, counted by valgrind's callgrind.

A count is the same on every run whatever else the machine does (within a fraction of a
percent: the server's hash seeds and clock vary), where seconds on this machine's vCPUs
vary by half within minutes; so a count compares across runs and sessions. It is not a
time: a loop that hashes bytes runs more instructions a nanosecond than one that misses
the cache.

``CountedRedis(workdir)`` starts redis-server (or valkey-server) under callgrind with
counting off; ``with server.counting():`` counts what the server runs meanwhile;
``server.stop()`` returns the count. ``run_counted(argv, out)`` runs a program (a Python
module of the bench) under callgrind, counting only what the program asks for: it calls
``count_on()``, then ``dump()`` after each stage; each stage's count comes back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


def available() -> bool:
    """Whether valgrind and callgrind_control are installed."""
    return bool(shutil.which("valgrind") and shutil.which("callgrind_control"))


def _control(pid: int, *request: str) -> None:
    control = shutil.which("callgrind_control") or "callgrind_control"
    subprocess.run(  # noqa: S603 - valgrind's tool, our arguments
        [control, *request, str(pid)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _totals(path: Path) -> int:
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def count_on() -> None:
    """Start counting this process's instructions (it runs under ``run_counted``)."""
    _control(os.getpid(), "-i", "on")


def dump() -> None:
    """End a stage: what was counted since the last ``dump`` (or ``count_on``) is one
    stage's count. Each call costs its own fork of ``callgrind_control`` (some millions
    of instructions, counted in the stage)."""
    _control(os.getpid(), "-d")


def run_counted(argv: list[str], out: Path, cwd: Path | None = None) -> tuple[list[int], str]:
    """Run ``argv`` (in ``cwd``) under callgrind with counting off until it calls
    ``count_on``; each stage's count (one per ``dump``) and what it printed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    valgrind = shutil.which("valgrind") or "valgrind"
    command = [valgrind, "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    done = subprocess.run(  # noqa: S603 - our own module, arguments we built
        command + argv, check=True, capture_output=True, text=True, cwd=cwd
    )
    stages = sorted(out.parent.glob(out.name + ".*"), key=lambda p: int(p.suffix[1:]))
    return [_totals(stage) for stage in stages], done.stdout


class CountedRedis:
    """A Redis-protocol server under callgrind, on a free port of 127.0.0.1."""

    def __init__(self, workdir: Path) -> None:
        import redis

        from vts.local.kafka_config import free_port
        from vts.local.redis_server import find_server

        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.out = workdir / f"callgrind.redis.{self.port}"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        command = [shutil.which("valgrind") or "valgrind", "--tool=callgrind", "--instr-atstart=no"]
        command += [f"--callgrind-out-file={self.out}", find_server(), "--port", str(self.port)]
        command += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._process = subprocess.Popen(  # noqa: S603 - tools found on PATH, our arguments
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 60  # valgrind starts the server some 20 x slower
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self._process.kill()
                    raise RuntimeError("redis-server under callgrind did not start") from None
                time.sleep(0.2)
        client.close()

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        """Count the server's instructions while the block runs."""
        self._control("on")
        try:
            yield
        finally:
            self._control("off")

    def _control(self, state: str) -> None:
        _control(self._process.pid, "-i", state)

    def stop(self) -> int:
        """Stop the server; the instructions counted."""
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis(port=self.port).shutdown(nosave=True)
        self._process.wait(timeout=60)
        return _totals(self.out)
