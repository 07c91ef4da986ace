"""The page as a team's shared catalogue, in Chromium: what one editor uploads another sees (a second browser
context, its own empty storage), live; the row's ZIP, a selection's ZIP, delete and re-process, from the page."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect
from support.browser import fresh_page
from support.catalogue import fresh_photo
from support.viewports import LAPTOP, PHONE
from test_web_page import PROCESSING_TIMEOUT_MS, assert_fits_the_width, row_of, wait_until_done, wait_until_images_show


@pytest.fixture
def colleague(browser, built_page, system):
    """A second editor: another browser context, nothing in its storage."""
    yield from fresh_page(browser, system.base_url, "the colleague's page")


def upload(page: Page, name: str) -> int:
    with page.expect_response("**/api/process") as answer:
        page.get_by_label("Choose photos…").set_input_files(
            {"name": name, "mimeType": "image/jpeg", "buffer": fresh_photo()})
    assert answer.value.status == 202, answer.value.text()
    return answer.value.json()["id"]


def live(page: Page) -> None:
    expect(page.locator(".live")).to_have_text("Live")


def test_a_colleague_sees_the_upload_appear_and_turn_processed_without_reloading(page, colleague, screenshot):
    colleague.goto("/")
    live(colleague)
    assert colleague.evaluate("localStorage.length") == 0
    page.goto("/")
    live(page)

    image_id = upload(page, "shared-look.jpg")

    theirs = row_of(colleague, image_id)
    expect(theirs).to_be_visible()  # no reload: the event stream brought it
    expect(theirs.locator(".image-name")).to_have_text("shared-look.jpg")
    wait_until_done(theirs)
    expect(theirs.locator(".cell-status .status")).to_have_text("Processed")
    wait_until_images_show(colleague, theirs)
    assert colleague.evaluate("localStorage.length") == 0
    mine = screenshot("uploader")
    colleague.screenshot(path=mine.with_name(mine.name.replace("-uploader", "-colleague")), full_page=True)

    # Found by the search box, by any part of its name, in any case.
    colleague.get_by_label("Search").fill("SHARED-LOOK")
    # The page asks the server 300 ms after typing stops: wait for the rows that do not match to go.
    expect(colleague.locator(".image-name").filter(has_not_text=re.compile("shared-look", re.I))).to_have_count(0)
    expect(row_of(colleague, image_id)).to_be_visible()


def test_views_download_as_a_zip_and_a_deleted_image_leaves_both_pages(page, colleague, screenshot):
    page.goto("/")
    live(page)
    first, second = upload(page, "zip-one.jpg"), upload(page, "zip-two.jpg")
    for image_id in (first, second):
        wait_until_done(row_of(page, image_id))
    colleague.goto("/")
    live(colleague)
    expect(row_of(colleague, first)).to_be_visible()

    views = page.request.get(f"/api/image-status/{first}").json()["shots"]
    with page.expect_download() as download:
        row_of(page, first).get_by_role("link", name="Download the views of zip-one.jpg as ZIP").click()
    assert download.value.suggested_filename == "zip-one-views.zip"
    with zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read())) as archive:
        assert archive.namelist() == [f"zip-one-{shot['label']}.jpg" for shot in views]

    row_of(page, first).get_by_role("checkbox").check()
    row_of(page, second).get_by_role("checkbox").check()
    with page.expect_download() as selection:
        page.get_by_role("link", name="Download 2 as ZIP").click()
    with zipfile.ZipFile(open(selection.value.path(), "rb")) as archive:
        folders = {name.split("/", 1)[0] for name in archive.namelist()}
    assert folders == {"zip-one", "zip-two"}

    row_of(page, first).get_by_role("button", name="Delete zip-one.jpg").click()
    dialog = page.get_by_role("alertdialog", name="Delete zip-one.jpg?")
    expect(dialog).to_contain_text(f"Image #{first}, its views and its uploaded original are removed")
    screenshot("confirm")
    dialog.get_by_role("button", name="Delete").click()

    expect(row_of(page, first)).to_have_count(0)
    expect(row_of(colleague, first)).to_have_count(0)  # gone from the other editor's page too, live
    expect(page.get_by_role("link", name=re.compile(r"^Download \d+ as ZIP$"))).to_have_text("Download 1 as ZIP")
    assert page.request.get(f"/api/image-status/{first}").status == 404


def test_re_process_from_the_page_shows_pending_then_processed(page):
    page.goto("/")
    live(page)
    image_id = upload(page, "again.jpg")
    row = row_of(page, image_id)
    wait_until_done(row)
    before = page.request.get(f"/api/image-status/{image_id}").json()["updatedAt"]

    row.get_by_role("button", name="Re-process again.jpg…").click()
    dialog = page.get_by_role("dialog", name="Re-process again.jpg?")
    with page.expect_response(lambda answer: answer.url.endswith(f"/api/images/{image_id}/reprocess")) as asked:
        dialog.get_by_role("button", name="Re-process").click()

    assert asked.value.status == 202  # queued again: what follows is the new run, not the first one's state
    # Nothing changed in the dialog: the image's own preset, cut-out and enlarging choices are what it sends.
    assert asked.value.request.post_data_json == {"preset": "default", "cutout": False, "upscale": False}
    expect(row).to_have_attribute("data-status", re.compile("^(pending|processed)$"))
    expect(row).to_have_attribute("data-status", "processed", timeout=PROCESSING_TIMEOUT_MS)
    assert page.request.get(f"/api/image-status/{image_id}").json()["updatedAt"] > before


def test_re_process_selected_sends_one_request_per_image_with_the_preset_chosen_once(page, screenshot):
    page.goto("/")
    live(page)
    ids = [upload(page, "bulk-one.jpg"), upload(page, "bulk-two.jpg")]
    for image_id in ids:
        wait_until_done(row_of(page, image_id))
        row_of(page, image_id).get_by_role("checkbox").check()

    page.get_by_role("button", name="Re-process selected…").click()
    dialog = page.get_by_role("dialog", name="Re-process 2 images?")
    expect(dialog.get_by_label("Preset", exact=True)).to_have_value("default")  # both have it: it is where the choice starts
    screenshot("dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.set_viewport_size(PHONE)
    toolbar = page.get_by_role("group", name="Selected images")
    toolbar.scroll_into_view_if_needed()
    expect(toolbar.get_by_role("button", name="Re-process selected…")).to_be_in_viewport(ratio=1)
    assert_fits_the_width(page)
    screenshot("selection-phone")
    page.set_viewport_size(LAPTOP)

    page.get_by_role("button", name="Re-process selected…").click()
    dialog.get_by_label("Preset", exact=True).select_option(label="Zalando")
    sent: list[tuple[str, dict]] = []
    page.on("request", lambda request: sent.append((request.url, request.post_data_json))
            if request.url.endswith("/reprocess") else None)
    dialog.get_by_role("button", name="Re-process").click()

    expect(page.locator(".snackbar")).to_contain_text("2 images are queued to be processed again")
    assert sorted(sent) == sorted((f"{page.url.rstrip('/')}/api/images/{image_id}/reprocess",
                                   {"preset": "zalando", "cutout": False, "upscale": False}) for image_id in ids)
    for image_id in ids:
        row = row_of(page, image_id)
        expect(row.locator(".cell-id .preset")).to_have_text("Preset: Zalando")
        expect(row).to_have_attribute("data-status", "processed", timeout=PROCESSING_TIMEOUT_MS)
        status = page.request.get(f"/api/image-status/{image_id}").json()
        assert status["preset"] == "zalando" and status["shots"], status
        assert all(shot["width"] * 36 == shot["height"] * 25 for shot in status["shots"]), status["shots"]  # 1:1.44
