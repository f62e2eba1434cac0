"""How fast the machine runs right now: the CPU seconds of a fixed piece of work, and the
time the hypervisor took from this VM (steal).

A shared VM does not run at one speed: over the soak of 2026-12-06 16:07 every process of
the job, the Python driver whose work per batch does not change among them, took about 40 %
more CPU seconds for the same work from minute 33 on, with the load average near 0. A
growth check that reads CPU or wall seconds alone blames the job for that. The probe is the
control: the same work each minute, measured in CPU seconds of the thread that runs it (so
the other threads of the benchmark neither add to it nor take from it). A batch that costs
a constant number of probes did not get dearer; the machine got slower.

The probe is interpreted Python (a loop of integer and dict work) and C (SHA-256 over 12 MiB,
zlib over 1 MiB): the job's Python workers, and its JVM's compiled and native code, run on
the same cores and caches. It takes about 0.06 s. Its speed changes from second to second
here (45-70 ms on an idle machine, by which of the two vCPUs it lands on and what the
host's other tenants do), so ``SpeedProbe`` runs it every few seconds in a thread of its
own and a minute's figure is the mean of the minute's runs: the speed the job had, on
average, over the same minute. The job's own load on the cores slows the probe a little
too (shared caches), so a job that grew would look a little less grown in probes, never
more.
"""

from __future__ import annotations

import hashlib
import threading
import time
import zlib
from pathlib import Path

from bench.cpu import TICKS

_BLOCK = bytes(range(256)) * 4096  # 1 MiB


def _work() -> int:
    table: dict[int, int] = {}
    total = 0
    for i in range(200_000):
        total = (total * 31 + i) & 0xFFFFFFFF
        table[i & 1023] = total
    digest = hashlib.sha256()
    for _ in range(12):
        digest.update(_BLOCK)
    return total + len(zlib.compress(_BLOCK, 6)) + digest.digest()[0] + len(table)


def probe_cpu_ms() -> float:
    """The CPU milliseconds of one run of the fixed work, in the calling thread."""
    start = time.thread_time()
    _work()
    return round((time.thread_time() - start) * 1000, 2)


class SpeedProbe(threading.Thread):
    """Runs the probe every ``every_s`` seconds until ``stop`` is set; ``mean_ms`` gives
    the mean CPU milliseconds of the runs that ended in a span of time."""

    def __init__(self, every_s: float = 5.0) -> None:
        super().__init__(name="speed-probe", daemon=True)
        self.every_s = every_s
        self.stop = threading.Event()
        self.runs: list[tuple[float, float]] = []  # (wall time at its end, CPU ms)

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            ms = probe_cpu_ms()
            self.runs.append((time.time(), ms))

    def mean_ms(self, start: float, end: float) -> float | None:
        found = [ms for at, ms in list(self.runs) if start <= at < end]
        return round(sum(found) / len(found), 2) if found else None


def steal_seconds(stat: Path = Path("/proc/stat")) -> float | None:
    """The seconds the hypervisor ran others on this VM's CPUs so far, all CPUs together
    (``/proc/stat``'s ``cpu`` line, 8th value; ``None`` where there is no such file)."""
    try:
        line = stat.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if line[0] != "cpu" or len(line) < 9:
        return None
    return round(int(line[8]) / TICKS, 2)
