"""The page in Debian's Chromium, driven by Playwright, against the whole running system behind nginx.

- `built_page`: web/dist built from the current sources once per run (npm ci first when web/node_modules is missing);
  the `system` fixture's nginx serves it at `/`.
- `browser`: /usr/bin/chromium with the flags that work here (never `playwright install`: nothing is downloaded).
- `page`: a fresh context per test (its own localStorage) at a laptop's size, base URL = nginx. A JavaScript error on
  the page fails the test.
- `screenshot(name)`: a full-page PNG under test-artifacts/screenshots/, named after the test.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from support.browser import fresh_page

from posecraft.config import REPO_ROOT

WEB_DIR = REPO_ROOT / "web"
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def _npm(*args: str) -> None:
    result = subprocess.run(["npm", *args], cwd=WEB_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"`npm {' '.join(args)}` failed in web/:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}",
                    pytrace=False)


@pytest.fixture(scope="session")
def built_page() -> Path:
    if not (WEB_DIR / "node_modules").is_dir():
        _npm("ci", "--no-audit", "--no-fund")
    _npm("run", "build")
    return WEB_DIR / "dist"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (make install does it)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, built_page, system):
    yield from fresh_page(browser, system.base_url, "the page")


@pytest.fixture
def screenshot(page, request):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
