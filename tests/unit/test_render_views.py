"""The views' pixels and files: cut exactly from their box, never stretched, JPEG q90 progressive sRGB or WebP."""
from __future__ import annotations

import io

import pytest
from geometry_people import person
from PIL import Image, ImageCms

from posecraft.views.geometry import SkippedView, ViewBox, plan_views
from posecraft.views.overlay import BOX_COLOURS, draw_overlay
from posecraft.views.render import render_views

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def quadrants(size=(800, 600)):
    """Red top-left, green top-right, blue bottom-left, white bottom-right."""
    w, h = size
    im = Image.new("RGB", size, RED)
    im.paste(GREEN, (w // 2, 0, w, h // 2))
    im.paste(BLUE, (0, h // 2, w // 2, h))
    im.paste(WHITE, (w // 2, h // 2, w, h))
    return im


def opened(view) -> Image.Image:
    return Image.open(io.BytesIO(view.data))


def close(actual, expected, tolerance=14):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def test_view_is_a_progressive_srgb_jpeg_of_exactly_its_box():
    box = ViewBox("zoom", "Zoomed View", (300, 150, 600, 550), low_resolution=False)
    (view,) = render_views(quadrants(), [box])
    im = opened(view)
    assert (view.content_type, im.format) == ("image/jpeg", "JPEG")
    assert im.info.get("progressive") == 1
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"])))
    assert im.size == (view.width, view.height) == (300, 400)
    assert view.box == (300, 150, 600, 550) and (view.label, view.title) == ("zoom", "Zoomed View")
    # The quadrant corners of the source sit at (100, 150) inside the view.
    assert close(im.getpixel((50, 50)), RED) and close(im.getpixel((250, 50)), GREEN)
    assert close(im.getpixel((50, 350)), BLUE) and close(im.getpixel((250, 350)), WHITE)


def test_quality_setting_changes_the_file():
    noisy = Image.effect_noise((400, 400), 40).convert("RGB")
    box = [ViewBox("neck", "Neck View", (0, 0, 400, 400), low_resolution=False)]
    (high,) = render_views(noisy, box, quality=95)
    (low,) = render_views(noisy, box, quality=40)
    assert len(low.data) < len(high.data) / 2


def test_webp_can_be_chosen():
    (view,) = render_views(quadrants(), [ViewBox("waist", "Waist View", (0, 0, 300, 300), False)], fmt="webp")
    assert view.content_type == "image/webp" and opened(view).format == "WEBP"
    assert close(opened(view).convert("RGB").getpixel((150, 150)), RED)


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="not one of jpeg, webp"):
        render_views(quadrants(), [], fmt="gif")


def test_padded_box_shows_white_beyond_the_image():
    box = ViewBox("length", "Length View", (-100, 0, 500, 800), low_resolution=False, padded=True)
    (view,) = render_views(quadrants(), [box])
    im = opened(view)
    assert im.size == (600, 800) and view.padded
    assert close(im.getpixel((50, 100)), WHITE)  # left of the image
    assert close(im.getpixel((200, 100)), RED)  # the image's own top-left
    assert close(im.getpixel((300, 700)), WHITE)  # below the image


def test_small_view_keeps_its_size_unless_upscaling_is_asked_for():
    box = [ViewBox("neck", "Neck View", (0, 0, 90, 120), low_resolution=True)]
    (native,) = render_views(quadrants(), box)
    (upscaled,) = render_views(quadrants(), box, sizes={"neck": (300, 400)})
    assert (native.width, native.height) == (90, 120) and native.low_resolution and not native.upscaled
    assert (upscaled.width, upscaled.height) == (300, 400) and opened(upscaled).size == (300, 400)
    assert upscaled.upscaled


def test_views_come_back_in_plan_order_without_the_skipped_ones():
    # Hips and legs hidden: the zoom, waist and length views are skipped (a length view needs no feet any more).
    plans = plan_views(person(hidden=range(23, 33)), (1200, 2000))
    assert all(isinstance(plan, SkippedView) for plan in plans[2:])
    views = render_views(Image.new("RGB", (1200, 2000), (200, 180, 160)), plans)
    assert [v.label for v in views] == ["neck", "sleeve"]
    for plan, view in zip(plans, views, strict=False):
        assert opened(view).size == (plan.width, plan.height)


def test_overlay_draws_boxes_and_skeleton_on_a_copy():
    image = Image.new("RGB", (1200, 2000), (200, 180, 160))
    keypoints = person()
    plans = plan_views(keypoints, image.size)
    overlay = draw_overlay(image, keypoints, plans)
    assert overlay.size == image.size and overlay is not image
    assert image.getpixel((600, 570)) == (200, 180, 160)  # the source is untouched
    neck = plans[0]
    assert overlay.getpixel((neck.box[2] - 1, (neck.box[1] + neck.box[3]) // 2)) == BOX_COLOURS["neck"]
    assert overlay.getpixel((600, 340)) != (200, 180, 160)  # the shoulder line


def test_the_cut_out_views_take_the_pixels_made_while_the_photo_views_encode():
    photo = ViewBox("length", "Length View", (0, 0, 400, 300), False)
    onwhite = ViewBox("onwhite", "On White", (400, 300, 800, 600), False, background="white")
    cutout = ViewBox("cutout", "Cut-out", (400, 300, 800, 600), False, background="transparent")
    calls = []

    def cut_out():
        calls.append(1)
        return {"onwhite": Image.new("RGB", (400, 300), (10, 200, 10)),
                "cutout": Image.new("RGBA", (400, 300), (10, 200, 10, 0))}

    views = render_views(quadrants(), [onwhite, photo, cutout], cut_out=cut_out)
    assert calls == [1] and [view.label for view in views] == ["onwhite", "length", "cutout"]
    assert close(opened(views[0]).getpixel((200, 150)), (10, 200, 10))  # the pixels given, not the photo's white
    assert opened(views[0]).info.get("progression") is None  # a baseline JPEG: a master, re-encoded by the channel
    assert close(opened(views[1]).getpixel((200, 150)), RED)
    assert views[2].content_type == "image/png" and opened(views[2]).mode == "RGBA"
    assert opened(views[2]).info["srgb"] == 0  # tagged sRGB, as the JPEG views are by their profile
    assert opened(views[2]).tobytes() == Image.new("RGBA", (400, 300), (10, 200, 10, 0)).tobytes()  # lossless


def test_a_view_on_white_without_its_pixels_is_refused():
    onwhite = ViewBox("onwhite", "On White", (0, 0, 400, 300), False, background="white")
    with pytest.raises(ValueError, match="onwhite view is the person on white"):
        render_views(quadrants(), [onwhite])
