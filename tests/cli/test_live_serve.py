"""``vts live serve`` started the way scripts and CI start it: its stdout a pipe, and SIGINT
ignored (a non-interactive shell's ``cmd &`` hands its background jobs SIGINT ignored,
and Python then installs no KeyboardInterrupt handler). The server still says where it
serves as soon as it does, and Ctrl-C (SIGINT) or SIGTERM still stops it cleanly.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.background import BackgroundVts, as_background_job

READY = "Ctrl-C to stop"


def fake_web_dir(root: Path) -> Path:
    """A stand-in for what `make web` installs (the page's library is not under test)."""
    dist = root / "node_modules" / "leaflet" / "dist"
    dist.mkdir(parents=True)
    (dist / "leaflet.js").write_text("/* leaflet */")
    return root


def test_a_background_job_inherits_sigint_ignored_and_python_keeps_it() -> None:
    """What the tests of stopping stand on: no KeyboardInterrupt for such a process."""
    argv = [
        sys.executable,
        "-c",
        "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)",
    ]
    shown = subprocess.run(as_background_job(argv), capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "True"


@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_started_in_the_background_it_says_its_url_at_once_and_stops_on_a_signal(
    tmp_path: Path,
    stop_with: signal.Signals,
    vts_in_background: Callable[..., BackgroundVts],
) -> None:
    job = vts_in_background(
        *("live", "serve", "--port", "0"),
        *("--lake", str(tmp_path / "no-lake"), "--scenario", "none"),
        *("--api", "http://127.0.0.1:9/", "--region", "eu-west-1"),  # a closed port
        env={
            "AWS_ACCESS_KEY_ID": "testing",  # fake: the API is a closed local port
            "AWS_SECRET_ACCESS_KEY": "testing",  # noqa: S106 - fake, as above
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent",
            "VTS_WEB_DIR": str(fake_web_dir(tmp_path / "web")),
        },
    )
    said = job.until(READY, seconds=60)
    assert said and said[0].startswith("live map: http://127.0.0.1:"), said
    assert READY in said[-1], said  # through a pipe, before the server has stopped
    code, err = job.stop(stop_with, seconds=20)
    assert code == 0, err
    assert "Traceback" not in err
    assert job.printed.lines[-1] == "stopped\n"
