"""What a catalogue editor sees in the browser, against the real system behind nginx (see conftest.py)."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from support.images import PHOTOS
from support.viewports import PHONE

VIEW_TITLES = ["Neck View", "Sleeve View", "Zoomed View", "Waist View", "Length View"]
# The first job of a run loads the pose models, and the 2 cores are shared with every other process of the stack.
PROCESSING_TIMEOUT_MS = 120_000


def snackbar(page: Page) -> Locator:
    return page.locator(".snackbar")


def table_rows(page: Page) -> Locator:
    return page.locator("table.images tbody tr")


def shown_rows(page: Page) -> int:
    """The rows once the catalogue's first page has loaded."""
    expect(page.locator(".table-section")).to_have_attribute("data-loading", "false")
    return table_rows(page).count()


def row_of(page: Page, image_id: int) -> Locator:
    return page.locator(f'table.images tbody tr[data-image-id="{image_id}"]')


def wait_until_done(row: Locator) -> None:
    expect(row).to_have_attribute("data-status", re.compile("^(processed|failed)$"), timeout=PROCESSING_TIMEOUT_MS)


def wait_until_images_show(page: Page, scope: Locator) -> None:
    """Every <img> in `scope` has loaded real pixels (a broken link has naturalWidth 0). Scrolled to first, as a
    user would: thumbnails load lazily, and a row far down the catalogue (a duplicate of an old image) has none."""
    scope.scroll_into_view_if_needed()
    page.wait_for_function(
        "scope => [...scope.querySelectorAll('img')].every(img => img.complete && img.naturalWidth > 0)",
        arg=scope.element_handle(), timeout=15_000)


def assert_fits_the_width(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the {page.viewport_size['width']} px screen"


def record(page: Page, image_id: int) -> dict:
    return page.request.get(f"/api/image-status/{image_id}").json()


def test_uploading_a_photo_shows_its_five_views(page, screenshot):
    page.goto("/")
    with page.expect_response("**/api/process") as answer:
        page.get_by_label("Choose photos…").set_input_files(PHOTOS / "messi5.jpg")
    assert answer.value.status == 202, answer.value.text()
    image_id = answer.value.json()["id"]
    expect(snackbar(page)).to_contain_text("1 photo queued")

    row = row_of(page, image_id)
    wait_until_done(row)
    expect(row.locator(".cell-status")).to_have_text("Processed")
    for title in VIEW_TITLES:
        expect(row.get_by_role("button", name=f"Open {title} of image #{image_id} full size")).to_be_visible()
    wait_until_images_show(page, row)
    screenshot("laptop")

    neck = next(shot for shot in record(page, image_id)["shots"] if shot["label"] == "neck")
    # From the keyboard: Enter on a focused thumbnail opens it, Esc closes it and gives the focus back.
    neck_button = row.get_by_role("button", name=f"Open Neck View of image #{image_id} full size")
    neck_button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text(
        f"Neck View · image #{image_id}, {neck['width']} × {neck['height']} px")
    expect(dialog.get_by_role("link", name="Download")).to_have_attribute("href", neck["url"])
    wait_until_images_show(page, dialog)
    with page.expect_download() as download:
        dialog.get_by_role("link", name="Download").click()
    # Named like the views ZIP's files: the photo's name without its extension, then the view's label.
    name = Path(record(page, image_id)["name"]).stem
    assert download.value.suggested_filename == f"{name}-neck{Path(neck['url']).suffix}"
    assert Path(download.value.path()).read_bytes() == page.request.get(neck["url"]).body()
    assert dialog.get_by_role("img").evaluate("img => img.naturalWidth") == neck["width"]
    screenshot("lightbox")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(neck_button).to_be_focused()

    # The same photo again: the server answers with the existing record, the page marks that row.
    with page.expect_response("**/api/process") as again:
        page.get_by_label("Choose photos…").set_input_files(PHOTOS / "messi5.jpg")
    assert again.value.json()["id"] == image_id and again.value.json()["duplicate"] is True
    expect(snackbar(page)).to_contain_text("1 photo queued; 1 was already submitted")
    expect(row_of(page, image_id)).to_have_count(1)  # its own row, marked; the catalogue has no second one
    expect(row).to_contain_text("resubmitted")

    snackbar(page).get_by_role("button", name="Close message").click()
    expect(snackbar(page)).to_have_count(0)
    page.set_viewport_size(PHONE)
    wait_until_images_show(page, row)
    assert_fits_the_width(page)
    screenshot("phone")


def test_a_pasted_batch_with_a_bad_entry_is_not_sent_and_the_snackbar_names_it(page, screenshot, local_origin):
    page.goto("/")
    rows_before = shown_rows(page)
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/api/process-batch" in request.url else None)
    page.get_by_label("Image URLs").fill(
        f"{local_origin.photo_url('bus.jpg')}\nftp://example.com/look-01.jpg\nlook-02.jpg")
    page.get_by_role("button", name="Process URLs").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was sent: 2 entries are not an absolute http(s) URL.")
    expect(alert).to_contain_text("ftp://example.com/look-01.jpg — uses ftp")
    expect(alert).to_contain_text("look-02.jpg — not an absolute URL")
    assert sent == []
    expect(table_rows(page)).to_have_count(rows_before)
    expect(page.get_by_label("Image URLs")).to_have_value(re.compile("look-02.jpg$"))
    screenshot("laptop")


def test_a_batch_the_server_refuses_shows_its_reason_for_the_refused_url(page, screenshot, local_origin):
    metadata_url = "http://169.254.169.254/latest/meta-data/"
    page.goto("/")
    rows_before = shown_rows(page)
    page.get_by_label("Image URLs").fill(f"{local_origin.photo_url('bus.jpg')}\n{metadata_url}")
    with page.expect_response("**/api/process-batch") as answer:
        page.get_by_role("button", name="Process URLs").click()

    assert answer.value.status == 400, answer.value.text()
    refusal = answer.value.json()
    [refused] = refusal["invalid"]
    assert refused["url"] == metadata_url
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"The server refused the URLs: {refusal['error']} (HTTP 400)")
    expect(alert).to_contain_text(f"{metadata_url} — {refused['reason']}")
    expect(table_rows(page)).to_have_count(rows_before)
    screenshot("laptop")


def test_a_file_that_is_not_really_a_photo_shows_the_servers_reason(page, screenshot):
    page.goto("/")
    rows_before = shown_rows(page)
    notes = {"name": "look-03.jpg", "mimeType": "image/jpeg", "buffer": b"Meeting notes, not a photo.\n" * 40}
    with page.expect_response("**/api/process") as answer:
        page.get_by_label("Choose photos…").set_input_files(notes)

    assert answer.value.status == 415, answer.value.text()
    reason = answer.value.json()["error"]
    expect(page.get_by_role("alert")).to_contain_text(f"look-03.jpg was not uploaded: {reason} (HTTP 415)")
    expect(table_rows(page)).to_have_count(rows_before)
    screenshot("laptop")


def test_reloading_the_page_shows_the_same_rows(page, screenshot, local_origin):
    page.goto("/")
    page.get_by_label("Image URLs").fill(
        f"{local_origin.photo_url('grace_hopper.jpg')}\n{local_origin.photo_url('bus.jpg')}")
    with page.expect_response("**/api/process-batch") as answer:
        page.get_by_role("button", name="Process URLs").click()
    ids = [item["id"] for item in answer.value.json()["items"]]
    assert len(ids) == 2
    expect(snackbar(page)).to_contain_text("2 URLs queued")
    for image_id in ids:
        wait_until_done(row_of(page, image_id))

    def what_the_table_shows() -> list[tuple[str, str, str]]:
        return [(row.get_attribute("data-image-id"), row.get_attribute("data-status"),
                 row.locator(".cell-waist").inner_text()) for row in table_rows(page).all()
                if int(row.get_attribute("data-image-id") or 0) in ids]

    before = what_the_table_shows()
    assert [int(image_id) for image_id, _, _ in before] == sorted(ids, reverse=True)
    # grace_hopper.jpg is a portrait: its waist view is skipped, and the page says why.
    waist_skip = next(s for s in record(page, ids[0])["skipped"] if s["label"] == "waist")
    expect(row_of(page, ids[0]).locator(".cell-waist")).to_have_text(f"Skipped: {waist_skip['reason']}")

    page.reload()
    for image_id in ids:
        expect(row_of(page, image_id)).to_have_count(1)
    for image_id in ids:
        wait_until_done(row_of(page, image_id))
    assert what_the_table_shows() == before
    for image_id in ids:  # thumbnails load lazily: each row's, once scrolled to
        wait_until_images_show(page, row_of(page, image_id))
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("laptop")

    page.set_viewport_size(PHONE)
    for image_id in ids:
        wait_until_images_show(page, row_of(page, image_id))
    page.evaluate("window.scrollTo(0, 0)")
    assert_fits_the_width(page)
    screenshot("phone")


def test_rows_show_pending_then_update_by_themselves(page, screenshot, system, local_origin):
    # A query string no other test uses: a new record, not the duplicate of an earlier one.
    run = uuid.uuid4().hex[:8]
    photo_url = local_origin.photo_url(f"astronaut.png?run={run}")
    missing_url = local_origin.url(f"status/404?run={run}")
    system.stop("worker")  # nothing is processed until it is back: the rows must be seen pending
    try:
        page.goto("/")
        page.get_by_label("Image URLs").fill(f"{photo_url}\n{missing_url}")
        with page.expect_response("**/api/process-batch") as answer:
            page.get_by_role("button", name="Process URLs").click()
        photo_id, missing_id = (item["id"] for item in answer.value.json()["items"])
        for image_id in (photo_id, missing_id):
            status = row_of(page, image_id).locator(".cell-status")
            expect(status).to_have_text("Pending")
            expect(status.locator(".spinner")).to_be_visible()
        screenshot("pending")
    finally:
        system.start_worker()

    # No reload: the live stream brings the results in.
    wait_until_done(row_of(page, photo_id))
    wait_until_done(row_of(page, missing_id))
    expect(row_of(page, photo_id).locator(".cell-status")).to_have_text("Processed")
    failed = record(page, missing_id)
    assert failed["status"] == "failed"
    expect(row_of(page, missing_id).locator(".cell-status")).to_have_text(f"Failed{failed['error']}")
    page.get_by_label("Show").select_option(value="failed")
    expect(row_of(page, photo_id)).to_have_count(0)
    expect(row_of(page, missing_id)).to_have_count(1)
    assert {row.get_attribute("data-status") for row in table_rows(page).all()} == {"failed"}
    screenshot("done-filtered-failed")
