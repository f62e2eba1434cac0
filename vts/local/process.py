"""Start, find and stop a detached JVM process that outlives the command that started it."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from vts.local.exceptions import BrokerStopError, JavaNotFoundError

logger = logging.getLogger(__name__)

# Children started by this interpreter, kept so they are reaped (and not reported as
# "still running" when a Popen object is garbage-collected).
_LAUNCHED: dict[int, subprocess.Popen[bytes]] = {}


def find_java() -> str:
    """``$JAVA_HOME/bin/java`` if set, else ``java`` on PATH; ``JavaNotFoundError`` if neither."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise JavaNotFoundError()
    return found


def launch(argv: Sequence[str], *, cwd: Path, output: Path) -> int:
    """Start ``argv`` in its own session (so Ctrl-C in the shell spares it); stdout and
    stderr are appended to ``output``. Returns the pid."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("ab") as sink:
        proc = subprocess.Popen(  # noqa: S603 - argv is built by us, not from user text
            list(argv),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _LAUNCHED[proc.pid] = proc
    logger.debug("started pid %d: %s", proc.pid, " ".join(argv[:3]))
    return proc.pid


def _cmdline(pid: int) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace")


def is_alive(pid: int, marker: str | None = None) -> bool:
    """Whether ``pid`` runs (not a zombie) and, where /proc shows it, its command line
    contains ``marker`` (guards against a recycled pid)."""
    proc = _LAUNCHED.get(pid)
    if proc is not None:
        return proc.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return marker is None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    if marker is not None:
        cmdline = _cmdline(pid)
        return cmdline is not None and marker in cmdline
    return True


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_alive(pid):
            return True
        time.sleep(0.1)
    return not is_alive(pid)


def stop(pid: int, *, timeout: float = 30.0) -> str:
    """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL. Returns how it ended:
    ``"not running"``, ``"stopped"`` or ``"killed"``."""
    if not is_alive(pid):
        _LAUNCHED.pop(pid, None)
        return "not running"
    try:
        os.kill(pid, signal.SIGTERM)
        how = "stopped"
        if not _wait_gone(pid, timeout):
            logger.warning("pid %d ignored SIGTERM for %.0fs; sending SIGKILL", pid, timeout)
            os.kill(pid, signal.SIGKILL)
            how = "killed"
            if not _wait_gone(pid, 10.0):
                raise BrokerStopError(
                    f"process {pid} did not exit after SIGKILL",
                    hint=f"check it with `ps -p {pid}`; it may be stuck in the kernel",
                )
    except ProcessLookupError:
        how = "stopped"
    proc = _LAUNCHED.pop(pid, None)
    if proc is not None:
        proc.wait(timeout=5)
    return how


def tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a text file, indented, or '' if it does not exist."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            text = handle.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join("    " + line for line in text.splitlines()[-lines:])
