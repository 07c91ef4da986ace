"""The page's Content-Security-Policy and the stored files' headers, as Chromium applies them: the page works under
its policy, script injected into it does not run, and an uploaded file with HTML in it is never shown as a page."""
from __future__ import annotations

from pathlib import Path

import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from support.images import PHOTOS

# Every violation of the policy the browser reports, kept on the window for the test to read.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    (event) => window.__violations.push(event.violatedDirective + " " + event.blockedURI));
"""


def test_the_page_works_under_its_policy_and_an_injected_inline_script_does_not_run(page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/")
    with page.expect_response("**/api/process") as answer:
        page.get_by_label("Choose photos…").set_input_files(PHOTOS / "messi5.jpg")
    assert answer.value.status == 202
    expect(page.locator("tbody tr")).to_have_count(1)
    assert page.evaluate("window.__violations") == []

    # What a stored XSS would do: put a script element into the page.
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.body.appendChild(script);
    }""")

    assert page.evaluate("window.__injected === undefined")
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))


def test_an_uploaded_jpeg_with_html_appended_opens_as_a_download_not_as_a_page(page, system):
    polyglot = (PHOTOS / "bus.jpg").read_bytes() + b"<html><body><script>document.title='ran'</script></body></html>"
    submitted = requests.post(f"{system.base_url}/api/process",
                              files={"file": ("page.html", polyglot, "text/html")}, timeout=30)
    assert submitted.status_code == 202
    original = submitted.json()["url"]

    with page.expect_download() as download:
        try:
            page.goto(original)
        except PlaywrightError:
            pass  # Chromium reports the navigation as aborted: it became a download

    assert download.value.url == original
    assert Path(download.value.path()).read_bytes() == polyglot
    assert page.title() != "ran"
