"""CPU seconds of a process tree (a Python driver, its JVM, Spark's Python workers), read
from ``/proc`` (Linux): on a shared machine the wall clock says how long a user waited,
CPU seconds how much work it took."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from bench.memory import _children

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_and_role(pid: int, root: int) -> tuple[float, str]:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].decode()
    except OSError:
        return 0.0, "gone"
    # utime, stime, and the children's it waited for (e.g. spark-submit's launcher JVM)
    seconds = sum(int(x) for x in fields[11:15]) / TICKS
    if pid == root:
        return seconds, "python_driver"
    if command.endswith("java"):
        return seconds, "jvm"
    if "python" in command:
        return seconds, "python_workers"  # pyspark.daemon and the workers it forks
    return seconds, "other"  # spark-submit's shell


def tree_cpu(root: int) -> dict[str, float]:
    """CPU seconds so far of ``root`` and its live descendants, by role, and ``total``."""
    tree = _children()
    by_role: dict[str, float] = defaultdict(float)
    todo = [root]
    while todo:
        pid = todo.pop()
        seconds, role = _cpu_and_role(pid, root)
        by_role[role] += seconds
        todo.extend(tree.get(pid, ()))
    by_role.pop("gone", None)
    result = {role: round(s, 2) for role, s in sorted(by_role.items())}
    result["total"] = round(sum(by_role.values()), 2)
    return result
