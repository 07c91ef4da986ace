"""Output presets from the page, in Chromium against the real system: the picker lists the presets the server knows
(the test stack's PRESETS_FILE adds the team's own `lookbook`), a photo sent with one shows it in its row, and the
lightbox of the processed image reaches its cut-out, shown on a checkerboard and downloaded as a PNG with alpha."""
from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from support.catalogue import fresh_photo
from support.viewports import LAPTOP, PHONE
from test_web_page import assert_fits_the_width, record, row_of, wait_until_done, wait_until_images_show

CHECKERBOARD_GREY = (207, 211, 219)  # styles.css .checkerboard: #cfd3db squares between white ones


def test_a_team_preset_with_a_cutout_from_the_picker_to_the_rows_lightbox(page, screenshot):
    page.goto("/")
    presets = page.request.get("/api/presets").json()
    default_title = next(item["title"] for item in presets["items"] if item["name"] == presets["default"])
    picker = page.get_by_label("Preset")
    expect(picker.locator("option")).to_have_text(
        [f"Server default ({default_title})", *(item["title"] for item in presets["items"])])
    picker.select_option(label="Lookbook")  # the team's own, from PRESETS_FILE
    expect(page.locator(".output-options .rules")).to_contain_text("every view 4:5 (width:height)")
    page.get_by_label("Also a cut-out").check()

    with page.expect_response("**/api/process") as answer:
        page.get_by_label("Choose photos…").set_input_files(
            {"name": "team-look.jpg", "mimeType": "image/jpeg", "buffer": fresh_photo("grace_hopper.jpg")})
    assert answer.value.status == 202, answer.value.text()
    image_id = answer.value.json()["id"]
    row = row_of(page, image_id)
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
