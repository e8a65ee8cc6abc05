"""Debian's Chromium driven by Playwright: one browser per test session, a fresh profile.

Playwright's own browser downloads are not used (nothing may download a browser here): the
system ``chromium`` (installed by ``make test``) is launched through ``executable_path``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("AGENT_TEST_ARTIFACTS", REPO / ".test-artifacts")) / "console"


def chromium_path() -> str:
    """The system Chromium; skips (locally) or fails (in CI) when it is missing."""
    found = os.environ.get("CHROMIUM_BIN") or shutil.which("chromium")
    if found is None:
        message = "chromium is not installed (make test installs it: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextmanager
def chromium() -> Iterator[object]:
    """A Playwright browser context on a fresh user-data-dir, closed (and removed) after."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="console-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=chromium_path(),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1200, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
