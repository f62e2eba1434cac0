"""Peak resident memory of a process tree (a Python driver, its JVM, Spark's Python workers),
sampled from ``/proc`` (Linux) in a background thread."""

from __future__ import annotations

import os
import re
import threading
from collections import defaultdict
from pathlib import Path
from types import TracebackType


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree[ppid].append(int(entry.name))
    return tree


def vm_rss(status: str) -> int:
    """Resident bytes from the text of ``/proc/<pid>/status`` (0 when it has none: a zombie)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            number, unit = line.split()[1:3]
            return int(number) * {"kB": 1024, "mB": 1024**2}.get(unit, 1)
    return 0


def cpu_ticks(stat: str) -> int:
    """User + system clock ticks of a process and of its children it has waited for, from
    the text of ``/proc/<pid>/stat`` (fields 14-17; the command may hold spaces and ``)``)."""
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15])


def role_of(pid: int, root: int) -> str:
    """``python_driver`` (the root), ``jvm``, or ``python_workers`` (pyspark.daemon and
    the workers it forks); ``gone`` when the process has ended."""
    if pid == root:
        return "python_driver"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].decode()
    except OSError:
        return "gone"
    return "jvm" if "java" in command else "python_workers"


def cpu_by_role(root: int) -> dict[str, float]:
    """CPU seconds so far of the process tree under ``root``, by ``role_of``."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[str, float] = defaultdict(float)
    for pid in _tree(root):
        try:
            ticks = cpu_ticks(Path(f"/proc/{pid}/stat").read_text())
        except OSError:
            continue
        found[role_of(pid, root)] += ticks / tick
    found.pop("gone", None)
    return dict(found)


def _tree(root: int) -> list[int]:
    tree = _children()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(tree.get(pid, ()))
    return pids


def jstat_heap(text: str) -> dict[str, float]:
    """The JVM's heap from ``jstat -gc <pid>`` output (KiB columns -> MiB): used and
    committed, the old generation's use, and how many full GCs it has had."""
    header, values = text.strip().splitlines()[-2:]
    gc = dict(zip(header.split(), (float(v) for v in values.split()), strict=True))
    young = ("S0", "S1", "E")
    mib = 1024.0
    return {
        "heap_used_mib": round((sum(gc[f"{g}U"] for g in young) + gc["OU"]) / mib, 1),
        "heap_committed_mib": round((sum(gc[f"{g}C"] for g in young) + gc["OC"]) / mib, 1),
        "old_used_mib": round(gc["OU"] / mib, 1),
        "metaspace_mib": round(gc["MU"] / mib, 1),
        "full_gcs": int(gc["FGC"]),
    }


def jvm_heap(pid: int) -> dict[str, float] | None:
    """``jstat_heap`` of a running JVM (``None`` where the JDK has no ``jstat``)."""
    import shutil
    import subprocess

    jstat = shutil.which("jstat")
    if jstat is None:
        return None
    done = subprocess.run(  # noqa: S603 - the JDK's tool on a pid we started
        [jstat, "-gc", str(pid)], capture_output=True, text=True, timeout=30, check=False
    )
    return jstat_heap(done.stdout) if done.returncode == 0 and done.stdout.strip() else None


# Native Memory Tracking's summary: a category's line and the whole's
_NMT = re.compile(r"^-?\s*(?P<what>[A-Za-z][\w ]*?)\s*\(reserved=\d+KB, committed=(?P<kb>\d+)KB")
# the JVM option that turns it on (the soak's job runs with it: ``jvm_native``)
NMT_OPTION = "-XX:NativeMemoryTracking=summary"


def nmt_committed(text: str) -> dict[str, float]:
    """Committed MiB by category from ``jcmd <pid> VM.native_memory summary`` output:
    ``Total`` and each category (``Java Heap``, ``Class``, ``Thread``, ``Other``, ...)."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Total:"):
            line = "Total (" + line.removeprefix("Total:").strip() + ")"
        match = _NMT.match(line)
        if match:
            found[match["what"]] = round(int(match["kb"]) / 1024, 1)
    return found


def jvm_native(pid: int) -> dict[str, float] | None:
    """``nmt_committed`` of a running JVM started with ``NMT_OPTION`` (``None`` without
    ``jcmd`` or tracking)."""
    import shutil
    import subprocess

    jcmd = shutil.which("jcmd")
    if jcmd is None:
        return None
    done = subprocess.run(  # noqa: S603 - the JDK's tool on a pid we started
        [jcmd, str(pid), "VM.native_memory", "summary", "scale=KB"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = nmt_committed(done.stdout) if done.returncode == 0 else {}
    return found if "Total" in found else None


def _rss_and_role(pid: int, root: int) -> tuple[int, str]:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, "gone"
    return vm_rss(status), role_of(pid, root)


def pids_by_role(root: int) -> dict[str, list[int]]:
    """The processes of the tree under ``root`` by ``role_of``."""
    found: dict[str, list[int]] = defaultdict(list)
    for pid in _tree(root):
        found[role_of(pid, root)].append(pid)
    found.pop("gone", None)
    return dict(found)


def rss_by_role(root: int) -> dict[str, int]:
    """Resident bytes of the process tree under ``root`` by role: ``python_driver`` (the
    root), ``jvm``, ``python_workers`` (everything else: pyspark.daemon and its workers)."""
    by_role: dict[str, int] = defaultdict(int)
    for pid in _tree(root):
        rss, role = _rss_and_role(pid, root)
        by_role[role] += rss
    by_role.pop("gone", None)
    return dict(by_role)


class PeakMemory:
    """``with PeakMemory() as peak: ...`` then ``peak.report()`` (bytes, as MiB)."""

    def __init__(self, root: int | None = None, interval: float = 0.25) -> None:
        self.root = root or os.getpid()
        self.interval = interval
        self.peak_total = 0
        self.peak_by_role: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-memory", daemon=True)

    def sample(self) -> None:
        by_role = rss_by_role(self.root)
        self.peak_total = max(self.peak_total, sum(by_role.values()))
        for role, rss in by_role.items():
            self.peak_by_role[role] = max(self.peak_by_role[role], rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def report(self) -> dict[str, float]:
        mib = 1024 * 1024
        out = {"peak_total_mib": round(self.peak_total / mib, 1)}
        for role, rss in sorted(self.peak_by_role.items()):
            if role != "gone":
                out[f"peak_{role}_mib"] = round(rss / mib, 1)
        return out
