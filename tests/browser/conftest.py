"""Browser tests: Debian's Chromium driven by Playwright against the live test server.

Every page a test visits can be checked with axe-core (`assert_accessible`): no serious or
critical violations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
# plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SSCARD_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def _context(browser: Browser, base_url: str, locale: str, mobile: bool) -> Any:
    options: dict[str, Any] = {"base_url": base_url, "locale": locale}
    if mobile:
        options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    return browser.new_context(**options)


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Any]:
    """new_page(locale="zh-CN", mobile=True) -> a fresh page on the live server."""
    contexts = []

    def make(locale: str = "zh-CN", mobile: bool = True) -> Page:
        context = _context(browser, live_server.url, locale, mobile)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Page:
    return new_page()


def assert_accessible(page: Page, *, context: str = "") -> None:
    """axe-core on the page as it is now: no serious or critical violations."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make system-deps` (npm ci)")
    # Evaluated through the browser's debugging protocol: the pages' Content-Security-Policy
    # refuses an injected <script> (page.add_script_tag), as it should.
    page.evaluate(AXE.read_text() + "\n;true")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in result["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    where = context or page.url
    assert not bad, f"accessibility violations on {where}:\n" + "\n".join(bad)
