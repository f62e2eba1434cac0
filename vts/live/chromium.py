"""Headless Chromium as vts starts it to look at its pages (the live map's tests and benchmark).

Debian's ``chromium`` (``make chromium``), driven by Playwright's Python package, which
downloads no browser: ``executable_path`` points at the system one. The flags keep it off
the network (no background fetches, updates or sync; no QUIC) and let it run as root.
Playwright gives each launch a new, empty profile (``--user-data-dir``).
"""

from __future__ import annotations

import shutil
from typing import Any

from vts.exceptions import NotInstalledError

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise NotInstalledError("Debian's chromium", hint="run `make chromium`")
    return path


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a running ``sync_playwright()``."""
    return playwright.chromium.launch(
        executable_path=find_chromium(), headless=True, args=list(CHROMIUM_FLAGS)
    )
