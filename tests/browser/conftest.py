"""Browser fixtures: Debian's Chromium driven by Playwright, one fresh context (cookies, downloads) per test.

Set ``CREDO_SCREENSHOTS=<dir>`` to save the screenshots shown in docs/console.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The CLI's fixtures (private AWS files, the aws runner) for `credo login oidc`'s tests.
from tests.cli.conftest import aws, aws_files  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test module (launched by path: browser downloads do not work here).

    Module-scoped, not session-scoped: Playwright's sync API keeps an event loop marked running on
    this thread while it lives, so a later test of another module on the same worker could not
    call ``asyncio.run``.
    """
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import expect, sync_playwright

    # Waits, not timings: generous for a loaded two-core CI machine running both stores.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Callable[[], Any]]:
    """Pages in separate browser contexts, like separate people's browsers; all closed after the test."""
    contexts: list[Any] = []

    def make() -> Any:
        context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
