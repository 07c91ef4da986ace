"""analyze_photo with an output preset and the cut-out, on real photos: what a catalogue team would check per channel.

Needs the model files (`python -m posecraft.pose.models install`).
"""
from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest
from PIL import Image

from posecraft.config import Settings
from posecraft.pipeline import PhotoAnalysis, analyze_photo
from posecraft.records import OutputOptions

PHOTOS = Path(__file__).parents[1] / "photos"


@functools.cache
def bus_12mp() -> bytes:
    with Image.open(PHOTOS / "bus.jpg") as small:
        big = small.resize((small.width * 4, small.height * 4), Image.Resampling.BILINEAR)
    data = io.BytesIO()
    big.save(data, "JPEG", quality=92)
    return data.getvalue()


@functools.cache
def analysis(photo: str, preset: str, upscale: bool = False, **settings) -> PhotoAnalysis:
    data = bus_12mp() if photo == "bus-12mp" else (PHOTOS / photo).read_bytes()
    return analyze_photo(data, Settings.from_env({}, **settings), output=OutputOptions(preset, upscale=upscale))


def pixels(view) -> Image.Image:
    return Image.open(io.BytesIO(view.data))


def test_zalando_views_are_1_to_1_44_and_at_most_its_best_size():
    result = analysis("bus-12mp", "zalando")
    assert result.preset == "zalando"
    assert [view.label for view in result.views] == ["neck", "sleeve", "zoom", "waist", "length", "onwhite"]
    for view in result.views:
        assert view.width * 36 == view.height * 25 and pixels(view).size == (view.width, view.height), view.label
        assert view.width <= 1801 and view.height <= 2600 and not view.upscaled
        assert pixels(view).format == "JPEG"
        # All smaller than the best size here: written as cut (the scaling down is in test_presets.py).
        assert (view.width, view.height) == (view.box[2] - view.box[0], view.box[3] - view.box[1])


def test_zalando_flags_each_view_the_photo_is_too_small_for():
    result = analysis("bus.jpg", "zalando")  # 810 x 1080: no view can be 762 x 1100
    for view in result.views:
        assert view.flags == (
            f"below Zalando's minimum 762 x 1100: the view is {view.width} x {view.height} (the photo is 810 x 1080)",
        )


def test_shopify_views_are_square_and_at_most_2048():
    for view in analysis("bus-12mp", "shopify").views:
        assert view.width == view.height <= 2048 and pixels(view).size == (view.width, view.height)
        assert view.flags == ()


def test_amazon_on_white_fills_the_frame_and_is_a_jpeg_whatever_the_view_format():
    result = analysis("bus-12mp", "amazon", view_format="webp")
    views = {view.label: view for view in result.views}
    assert all(pixels(view).format == "JPEG" for view in result.views)
    assert views["onwhite"].flags == ()  # fills >= 85 % of its height, >= 1000 px
    assert views["length"].flags == () and max(views["length"].width, views["length"].height) >= 1000
    # The small views of the neck and waist are under 1000 px: flagged, not enlarged.
    assert views["neck"].flags and "under 1000 px on its longest side" in views["neck"].flags[0]
    assert not views["neck"].upscaled


def test_a_submission_asking_to_upscale_gets_small_views_enlarged_to_the_minimum_and_marked():
    result = analysis("bus.jpg", "zalando", upscale=True)  # 810 x 1080: every view below 762 x 1100
    for view in result.views:
        assert view.upscaled and view.flags == (), view.label
        assert view.width >= 762 and view.height >= 1100 and view.width * 36 == view.height * 25
        assert pixels(view).size == (view.width, view.height)
        assert view.width > view.box[2] - view.box[0]  # written larger than it was cut


def test_the_default_preset_follows_the_settings():
    result = analysis("messi5.jpg", "default", view_format="webp")
    assert result.preset == "default" and all(view.flags == () for view in result.views)
    formats = {view.label: pixels(view).format for view in result.views}
    assert formats["onwhite"] == "WEBP" and formats["length"] == "WEBP"


def test_default_preset_setting_and_cutout_setting_apply_when_the_call_says_nothing():
    settings = Settings.from_env({"DEFAULT_PRESET": "shopify", "VIEW_CUTOUT": "true"})
    result = analyze_photo((PHOTOS / "messi5.jpg").read_bytes(), settings)
    views = {view.label: view for view in result.views}
    assert result.preset == "shopify" and views["cutout"].content_type == "image/png"
    assert views["cutout"].box == views["onwhite"].box and views["cutout"].width == views["cutout"].height
    assert pixels(views["cutout"]).mode == "RGBA"
    without = analyze_photo((PHOTOS / "messi5.jpg").read_bytes(), settings, output=OutputOptions("shopify"))
    assert "cutout" not in [view.label for view in without.views]


def test_an_unknown_preset_is_refused_before_any_work_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown preset 'ebay': the presets are default, amazon, zalando, shopify"):
        analyze_photo(b"not even an image", Settings.from_env({}), output=OutputOptions("ebay"))
