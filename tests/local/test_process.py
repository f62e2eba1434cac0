"""vts.local.process: finding java, launching detached processes, stopping them."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from vts.local import process
from vts.local.exceptions import JavaNotFoundError


def test_java_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JavaNotFoundError) as info:
        process.find_java()
    assert "java" in str(info.value) and "JAVA_HOME" in str(info.value)


def test_java_home_wins_over_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert process.find_java() == str(java)


def _wait_for(path: Path, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in (path.read_text() if path.exists() else ""):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        time.sleep(0.05)


def test_launch_then_stop_with_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    code = "import time; print('up', flush=True); time.sleep(120)"
    pid = process.launch([sys.executable, "-c", code], cwd=tmp_path, output=out)
    _wait_for(out, "up")
    assert process.is_alive(pid)
    assert process.stop(pid, timeout=10) == "stopped"
    assert not process.is_alive(pid)
    assert process.stop(pid) == "not running"


def test_a_process_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ignoring', flush=True); time.sleep(120)"
    )
    pid = process.launch([sys.executable, "-c", code], cwd=tmp_path, output=out)
    _wait_for(out, "ignoring")
    assert process.stop(pid, timeout=0.5) == "killed"
    assert not process.is_alive(pid)


def test_marker_guards_against_recycled_pids(tmp_path: Path) -> None:
    out = tmp_path / "out.log"
    pid = process.launch(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(120)"],
        cwd=tmp_path,
        output=out,
    )
    _wait_for(out, "up")
    launched = process._LAUNCHED.pop(pid)  # look at it as another process would
    try:
        assert process.is_alive(pid, marker="time.sleep")
        assert not process.is_alive(pid, marker="kafka.Kafka")
    finally:
        process._LAUNCHED[pid] = launched
        process.stop(pid, timeout=10)


def test_tail_of_missing_file_is_empty(tmp_path: Path) -> None:
    assert process.tail(tmp_path / "nope.log") == ""
    log = tmp_path / "x.log"
    log.write_text("\n".join(f"line {i}" for i in range(50)))
    assert process.tail(log, 2).splitlines() == ["    line 48", "    line 49"]
