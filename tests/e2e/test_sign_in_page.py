"""The page against a stack that requires keys (AUTH_REQUIRED=true): the sign-in panel, a wrong key, signing in
and out, in Chromium.

The locked stack is a second set of services and nginx on the `backing_services` Redis, MongoDB and S3 (no
worker: nothing here is processed), so it starts in seconds rather than a whole stack's time.
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest
from playwright.sync_api import expect
from support.viewports import LAPTOP, PHONE

from posecraft.config import REPO_ROOT
from posecraft.devstack import DevStack, Ports
from posecraft.stores.images import ImageRepository

SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def locked_stack(backing_services, built_page, tmp_path_factory):
    folder = tmp_path_factory.mktemp("locked")
    settings = dataclasses.replace(backing_services.settings, auth_required=True, s3_public_url="")
    stack = DevStack(settings, run_dir=folder / "run", data_dir=folder / "data", ports=Ports.free(), manage=())
    try:
        for name in ("ingest", "status", "nginx"):
            stack.start(name)
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
def editor_key(locked_stack):
    repository = ImageRepository.from_settings(locked_stack.settings)
    name = f"editor-{uuid.uuid4().hex[:6]}"
    key = repository.api_keys().create(name)
    yield name, key
    repository.api_keys().revoke(name)
    repository.close()


@pytest.fixture
def locked_page(browser, locked_stack):
    context = browser.new_context(viewport=LAPTOP, base_url=locked_stack.base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_the_page_asks_for_a_key_refuses_a_wrong_one_and_signs_in_and_out(locked_page, editor_key, request):
    name, key = editor_key
    page = locked_page
    page.goto("/")
    panel = page.get_by_role("form", name="Sign in")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("posecraft keys create NAME")
    expect(page.get_by_label("Image URLs")).to_have_count(0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-panel.png", full_page=True)

    page.get_by_label("API key").fill("pck_" + "0" * 32)
    page.get_by_role("button", name="Sign in").click()
    expect(panel.get_by_role("alert")).to_contain_text("Not signed in:")
    expect(panel.get_by_role("alert")).to_contain_text("(HTTP 401)")
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-wrong-key.png", full_page=True)

    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Image URLs")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_contain_text(name)
    expect(page.get_by_text("Live", exact=True)).to_be_visible()  # the stream rides the session cookie
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-signed-in.png", full_page=True)
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport()
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}-signed-in-phone.png")
    page.set_viewport_size(LAPTOP)

    # The cookie carries the session across a reload; the page never stored the key.
    page.reload()
    expect(page.get_by_text("Signed in as")).to_contain_text(name)
    assert key not in str(page.evaluate("() => JSON.stringify({ ...localStorage, ...sessionStorage })"))

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("form", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("form", name="Sign in")).to_be_visible()
