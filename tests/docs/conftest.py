"""The docs' command-line walkthroughs, run as written (``e2e``).

``walkthrough`` runs the README's ``vts`` commands in order, then docs/reports.md's, each
as its own ``vts`` process, in a scratch working folder that plays a checkout (the
repository's ``sql/`` beside it, the VTS home at ``./vts-data`` as the README says), and
keeps what each printed. A server (``vts live serve``) is run until it says where it
serves; its page is opened in headless Chromium (what the page showed is kept), and the
server is stopped with Ctrl-C (SIGINT) as its help says and must exit 0. Nothing leaves
the machine: the AWS credentials are fake and HTTPS goes to a closed local proxy port, so
the example against a deployed API (``--api https://...lambda-url...``) serves its page
and shows the API as unreachable.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.processes import Printed
from vts.live.serve import web_dir
from vts.settings import LocalPaths

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
REPORTS_MD = REPO / "docs" / "reports.md"
SERVER_READY = "Ctrl-C to stop"


def vts_lines(doc: Path) -> list[str]:
    """The ``vts ...`` lines of the document's bash blocks, comments dropped, in order."""
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), flags=re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("vts "):
                lines.append(command)
    return lines


@dataclass(frozen=True)
class Seen:
    """What headless Chromium showed at a server's page once it first heard from the API
    (or failed to): the fleet it drew, its status line, and the console's errors."""

    vehicles: int  # the page's own count of the vehicles it draws
    vehicle_count: str  # what the page says: "100 vehicles"
    freshness: str  # "12 s old", "no answer from the API: ..."
    errors: list[str]


@dataclass
class Walkthrough:
    cwd: Path
    browser: Any  # headless Chromium (tests/fixtures/browser.py)
    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    pages: dict[str, Seen] = field(default_factory=dict)  # a server's command -> its page

    @property
    def home(self) -> Path:
        return self.cwd / "vts-data"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "VTS_HOME": str(self.home),
            "VTS_JARS_DIR": str(LocalPaths.from_env().jars),  # what `make jars` fetched
            "VTS_WEB_DIR": str(web_dir()),  # and what `make web` installed
            "AWS_ACCESS_KEY_ID": "testing",  # fake: no request reaches AWS (the proxy below)
            "AWS_SECRET_ACCESS_KEY": "testing",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        for name in ("VTS_KAFKA_BOOTSTRAP", "VTS_LIVE_URL", "AWS_PROFILE"):
            env.pop(name, None)  # the walkthrough's own `vts local up` services
        return env

    def argv(self, command: str) -> list[str]:
        return [sys.executable, "-m", "vts.cli.main", *shlex.split(command)[1:]]

    def run(self, command: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        if " serve" in command:
            done = self._serve(command)
        else:
            done = subprocess.run(
                self.argv(command),
                cwd=self.cwd,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=1200,
                check=False,
            )
        self.runs[command] = done
        self.seconds[command] = time.monotonic() - started
        if check and done.returncode != 0:
            pytest.fail(f"`{command}` exited {done.returncode}:\n{done.stderr[-4000:]}")
        return done

    def _serve(self, command: str) -> subprocess.CompletedProcess[str]:
        """Start the server, wait until it says it serves, look at its page, press Ctrl-C."""
        errors = self.cwd / "server-stderr.txt"
        with errors.open("w") as stderr:
            proc = subprocess.Popen(
                self.argv(command),
                cwd=self.cwd,
                env=self.env(),
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        printed, said = Printed(proc), []
        try:
            said = printed.until(SERVER_READY, seconds=180)
            url = next((s.split("live map: ", 1)[1].strip() for s in said if "live map: " in s), "")
            if url and proc.poll() is None:
                self.pages[command] = self._look(url)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()  # and the exit status says so: the run fails
                proc.wait()
                with errors.open("a") as stderr:
                    stderr.write("(the walkthrough: not stopped 60 s after Ctrl-C; killed)")
            printed.close()
        err = errors.read_text()
        if proc.returncode == 0 and command not in self.pages:
            pytest.fail(f"`{command}` did not serve its page; it said:\n{''.join(said)}{err}")
        return subprocess.CompletedProcess(proc.args, proc.returncode, "".join(printed.lines), err)

    def _look(self, url: str) -> Seen:
        """The page in headless Chromium, once it has the API's first answer (or error)."""
        context = self.browser.new_context(viewport={"width": 1000, "height": 800})
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
            page.goto(url)
            page.wait_for_function(
                "window.vtsLive && vtsLive.stats.updates + vtsLive.stats.errors > 0",
                timeout=60_000,
            )
            return Seen(
                vehicles=page.evaluate("vtsLive.stats.vehicles"),
                vehicle_count=page.inner_text("#vehicle-count"),
                freshness=page.inner_text("#freshness"),
                errors=errors,
            )
        finally:
            context.close()


@pytest.fixture(scope="session")
def walkthrough(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Walkthrough]:
    cwd = tmp_path_factory.mktemp("walkthrough")
    (cwd / "sql").symlink_to(REPO / "sql")
    walk = Walkthrough(cwd, browser)
    try:
        for command in vts_lines(README) + vts_lines(REPORTS_MD):
            walk.run(command)
        yield walk
    finally:
        walk.run("vts local down", check=False)  # whatever failed, no service is left behind
