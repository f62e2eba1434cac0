"""The live map's fixtures: Leaflet as `make web` installed it, and Debian's headless Chromium
driven by Playwright (its Python package drives the system browser; no browser is downloaded).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from vts.exceptions import NotInstalledError
from vts.live.serve import leaflet_dir

# what the machine's closed network needs (no background fetches, no QUIC, no updater)
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def leaflet() -> Path:
    try:
        return leaflet_dir()
    except NotInstalledError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per session; each test gets a new context (a fresh profile)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run `make chromium`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class PageErrors(list[str]):
    """Everything the page reported as an error: console errors and uncaught exceptions."""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A 1000x800 page whose console errors fail the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    errors = PageErrors()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.errors = errors
    yield page
    context.close()
    assert not errors, f"the page reported errors: {errors}"
