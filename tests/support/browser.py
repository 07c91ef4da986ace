"""Pages of the browser tests."""
from __future__ import annotations

from support.viewports import LAPTOP


def fresh_page(browser, base_url: str, whose: str):
    """A page in a browser context of its own (nothing in its storage); fails the test on a JavaScript error."""
    context = browser.new_context(viewport=LAPTOP, base_url=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on {whose}: {errors}"
