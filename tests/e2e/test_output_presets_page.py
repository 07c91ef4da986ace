"""Output presets from the page, in Chromium against the real system: the picker lists the presets the server knows
(the test stack's PRESETS_FILE adds the team's own `lookbook`), a photo sent with one shows it in its row, and the
lightbox of the processed image reaches its cut-out, shown on a checkerboard and downloaded as a PNG with alpha; a
photo below Zalando's minimum sent to be enlarged gets upscaled views without notes; a processed image is made again
with another preset and a cut-out from its row's Re-process dialog."""
from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from support.catalogue import fresh_photo
from support.viewports import LAPTOP, PHONE
from test_web_page import (
    PROCESSING_TIMEOUT_MS,
    assert_fits_the_width,
    record,
    row_of,
    snackbar,
    wait_until_done,
    wait_until_images_show,
)

CHECKERBOARD_GREY = (207, 211, 219)  # styles.css .checkerboard: #cfd3db squares between white ones


def upload(page, name: str, photo: str):
    """A copy of one of tests/photos sent with the page's upload button, under `name`: its id and its row."""
    with page.expect_response("**/api/process") as answer:
        page.get_by_label("Choose photos…").set_input_files(
            {"name": name, "mimeType": "image/jpeg", "buffer": fresh_photo(photo)})
    assert answer.value.status == 202, answer.value.text()
    image_id = answer.value.json()["id"]
    return image_id, row_of(page, image_id)


def test_a_team_preset_with_a_cutout_from_the_picker_to_the_rows_lightbox(page, screenshot):
    page.goto("/")
    presets = page.request.get("/api/presets").json()
    default_title = next(item["title"] for item in presets["items"] if item["name"] == presets["default"])
    picker = page.get_by_label("Preset", exact=True)
    expect(picker.locator("option")).to_have_text(
        [f"Server default ({default_title})", *(item["title"] for item in presets["items"])])
    picker.select_option(label="Lookbook")  # the team's own, from PRESETS_FILE
    expect(page.locator(".output-options .rules")).to_contain_text("every view 4:5 (width:height)")
    page.get_by_label("Also a cut-out").check()

    image_id, row = upload(page, "team-look.jpg", "grace_hopper.jpg")
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Lookbook + cut-out")
    wait_until_done(row)
    status = record(page, image_id)
    assert (status["status"], status["preset"], status["cutout"]) == ("processed", "lookbook", True), status
    shots = {shot["label"]: shot for shot in status["shots"]}
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Lookbook + cut-out")
    # grace_hopper.jpg is 512 x 600: every view misses the team's 800 x 1000, and its thumbnail is marked.
    columns = [label for label in shots if label != "cutout"]
    assert all(shots[label]["notes"] for label in columns)
    expect(row.locator(".thumb-marker")).to_have_count(len(columns))
    expect(page.get_by_role("columnheader", name="Cut-out")).to_have_count(0)  # the cut-out is no column
    wait_until_images_show(page, row)
    screenshot("laptop")

    row.get_by_role("button", name=f"Open On White of image #{image_id} full size").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("list", name="What of the preset this view misses")).to_contain_text(
        shots["onwhite"]["notes"][0])
    dialog.get_by_role("button", name="Cut-out").click()
    cutout = shots["cutout"]
    expect(dialog.get_by_role("heading")).to_have_text(
        f"Cut-out · image #{image_id}, {cutout['width']} × {cutout['height']} px")
    expect(dialog).to_contain_text("Preset: Lookbook")
    expect(dialog).to_contain_text(cutout["notes"][0])
    image = dialog.get_by_role("img")
    expect(image).to_have_class(re.compile(r"\bcheckerboard\b"))
    wait_until_images_show(page, dialog)

    with page.expect_download() as download:
        dialog.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == "team-look-cutout.png"
    with Image.open(Path(download.value.path())) as png:
        assert (png.format, png.mode, png.size) == ("PNG", "RGBA", (cutout["width"], cutout["height"]))
        assert png.getchannel("A").getextrema() == (0, 255)  # a transparent background around an opaque person
        assert png.getpixel((0, 0))[3] == 0

    # Where the cut-out is transparent (its corner) the checkerboard shows through, grey and white squares.
    with Image.open(io.BytesIO(image.screenshot())) as shown:
        corner = {shown.convert("RGB").getpixel((x, y)) for x in range(0, 24, 2) for y in range(0, 24, 2)}
    assert any(max(abs(a - b) for a, b in zip(pixel, CHECKERBOARD_GREY, strict=True)) <= 6 for pixel in corner), corner
    assert (255, 255, 255) in corner, corner
    screenshot("lightbox")

    page.set_viewport_size(PHONE)
    expect(dialog.get_by_role("link", name="Download")).to_be_in_viewport()
    screenshot("lightbox-phone")
    page.keyboard.press("Escape")
    wait_until_images_show(page, row)
    assert_fits_the_width(page)
    screenshot("phone")
    page.set_viewport_size(LAPTOP)


def test_a_photo_below_zalandos_minimum_sent_to_be_enlarged_gets_upscaled_views_and_no_notes(page, screenshot):
    page.goto("/")
    expect(page.locator(".live")).to_have_text("Live")
    panel = page.locator(".output-options")
    panel.get_by_label("Preset", exact=True).select_option(label="Zalando")
    expect(panel.locator(".rules")).to_contain_text("smaller views flagged")
    enlarge = panel.get_by_label("Enlarge small views to the preset's minimum (marked upscaled)")
    expect(enlarge).not_to_be_checked()
    enlarge.check()
    expect(enlarge).to_have_accessible_description(
        "Zalando flags views below its minimum; ticked, they are enlarged to it instead.")
    screenshot("panel")
    page.set_viewport_size(PHONE)
    assert_fits_the_width(page)
    screenshot("panel-phone")
    page.set_viewport_size(LAPTOP)

    # bus.jpg is 810 x 1080: below Zalando's 762 x 1100
    image_id, row = upload(page, "enlarged.jpg", "bus.jpg")
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Zalando + enlarged")
    wait_until_done(row)
    status = record(page, image_id)
    assert (status["status"], status["preset"], status["upscale"]) == ("processed", "zalando", True), status
    assert status["shots"] and "cutout" not in {shot["label"] for shot in status["shots"]}
    for shot in status["shots"]:  # enlarged to Zalando's minimum at 1:1.44: nothing of its rules missed
        assert shot["upscaled"] and shot["notes"] == [], shot
        assert shot["width"] >= 762 and shot["height"] >= 1100 and shot["width"] * 36 == shot["height"] * 25, shot
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Zalando + enlarged")
    expect(row.locator(".badge", has_text="upscaled")).to_have_count(len(status["shots"]))
    expect(row.locator(".thumb-marker")).to_have_count(0)
    wait_until_images_show(page, row)
    # The files the row shows are the enlarged ones.
    assert shown_sizes(row) == {shot["label"]: [shot["width"], shot["height"]] for shot in status["shots"]}
    expect(snackbar(page)).to_be_hidden(timeout=10_000)  # "1 photo queued" fades after 6 s: it covered the badges
    screenshot("laptop")

    # Its Re-process dialog starts on the record's own choice: enlarged.
    row.get_by_role("button", name="Re-process enlarged.jpg…").click()
    dialog = page.get_by_role("dialog", name="Re-process enlarged.jpg?")
    expect(dialog).to_contain_text("made with Zalando + enlarged")
    expect(dialog.get_by_label("Enlarge small views to the preset's minimum (marked upscaled)")).to_be_checked()
    screenshot("dialog")
    page.set_viewport_size(PHONE)
    expect(dialog.get_by_role("button", name="Re-process")).to_be_in_viewport()
    assert_fits_the_width(page)
    screenshot("dialog-phone")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.set_viewport_size(LAPTOP)


def shown_sizes(row) -> dict[str, list[int]]:
    """The pixel size of the picture each view's thumbnail in the row shows, by the view's label."""
    return dict(row.locator("td[class^='cell-'] .thumb img").evaluate_all(
        "imgs => imgs.filter(img => !img.closest('.cell-original')).map(img =>"
        " [img.closest('td').className.replace('cell-', ''), [img.naturalWidth, img.naturalHeight]])"))


def test_re_processing_a_processed_image_with_shopify_and_a_cutout_makes_its_views_square(page, screenshot):
    page.goto("/")
    expect(page.locator(".live")).to_have_text("Live")
    image_id, row = upload(page, "reshoot.jpg", "bus.jpg")
    wait_until_done(row)
    first = record(page, image_id)
    assert (first["status"], first["preset"], first["cutout"]) == ("processed", "default", False), first
    # Not square before: the squares after are the new preset's doing.
    assert any(shot["width"] != shot["height"] for shot in first["shots"]), first["shots"]
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Default")

    # From the keyboard: Enter on the row's button opens the dialog on the image's own preset and cut-out choice.
    button = row.get_by_role("button", name="Re-process reshoot.jpg…")
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Re-process reshoot.jpg?")
    expect(dialog).to_contain_text("made with Default")
    picker = dialog.get_by_label("Preset", exact=True)
    cutout = dialog.get_by_label("Also a cut-out")
    expect(picker).to_be_focused()
    expect(picker).to_have_value("default")
    expect(cutout).not_to_be_checked()
    page.keyboard.type("Shopify")  # a closed <select> takes the option whose name is typed
    expect(picker).to_have_value("shopify")
    expect(dialog.locator(".rules")).to_contain_text("every view 1:1 (width:height)")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(cutout).to_be_checked()
    screenshot("dialog")

    page.set_viewport_size(PHONE)
    confirm = dialog.get_by_role("button", name="Re-process")
    expect(confirm).to_be_in_viewport()
    assert_fits_the_width(page)
    screenshot("dialog-phone")
    page.set_viewport_size(LAPTOP)
    with page.expect_response(lambda reply: reply.url.endswith(f"/api/images/{image_id}/reprocess")) as asked:
        page.keyboard.press("Tab")  # past the enlarge box and Cancel
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(confirm).to_be_focused()
        page.keyboard.press("Enter")
    assert asked.value.status == 202, asked.value.text()
    assert asked.value.request.post_data_json == {"preset": "shopify", "cutout": True, "upscale": False}
    expect(dialog).to_be_hidden()
    expect(snackbar(page)).to_contain_text("reshoot.jpg is queued to be processed again")
    # The row names the new preset as soon as the server has queued it, and keeps it once processed.
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Shopify + cut-out")
    # The focus went back to the row's button (disabled while pending, so perhaps lost): Tab goes on from there.
    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Delete reshoot.jpg")).to_be_focused()
    expect(row).to_have_attribute("data-status", "processed", timeout=PROCESSING_TIMEOUT_MS)
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Shopify + cut-out")

    status = record(page, image_id)
    assert (status["preset"], status["cutout"]) == ("shopify", True), status
    assert status["updatedAt"] > first["updatedAt"]
    assert "cutout" in {shot["label"] for shot in status["shots"]}
    for shot in status["shots"]:
        assert shot["width"] == shot["height"], shot
        with Image.open(io.BytesIO(page.request.get(shot["url"]).body())) as view:
            assert view.size == (shot["width"], shot["height"]), shot  # the stored file is that square
    # After a reload too, the row shows the new, square views.
    page.reload()
    row = row_of(page, image_id)
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Shopify + cut-out")
    wait_until_images_show(page, row)
    assert shown_sizes(row) == {shot["label"]: [shot["width"]] * 2 for shot in status["shots"] if shot["label"] != "cutout"}
    screenshot("reprocessed")


def test_a_re_processed_rows_thumbnails_show_the_new_views_without_a_reload(page):
    page.goto("/")
    expect(page.locator(".live")).to_have_text("Live")
    image_id, row = upload(page, "stale.jpg", "bus.jpg")
    wait_until_done(row)
    wait_until_images_show(page, row)

    row.get_by_role("button", name="Re-process stale.jpg…").click()
    dialog = page.get_by_role("dialog", name="Re-process stale.jpg?")
    dialog.get_by_label("Preset", exact=True).select_option("shopify")
    dialog.get_by_role("button", name="Re-process").click()
    expect(row.locator(".cell-id .preset")).to_have_text("Preset: Shopify")
    expect(row).to_have_attribute("data-status", "processed", timeout=PROCESSING_TIMEOUT_MS)

    wait_until_images_show(page, row)
    status = record(page, image_id)
    assert shown_sizes(row) == {shot["label"]: [shot["width"], shot["height"]] for shot in status["shots"]}
