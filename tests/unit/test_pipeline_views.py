"""analyze_photo on real photos: the views a catalogue team would check by eye, checked by numbers.

Needs the model files (`python -m posecraft.pose.models install`).
"""
from __future__ import annotations

import functools
import io
import math

import numpy as np
import pytest
from PIL import Image
from support.images import PHOTOS
from support.people_photos import front_covering_rear, jpeg, three_quarter, whole_beside_cut_large

from posecraft.config import Settings
from posecraft.errors import NoPersonFound
from posecraft.pipeline import PhotoAnalysis, analyze_photo

FULL_BODY = ["bus.jpg", "basketball1.png", "messi5.jpg"]
UPPER_BODY = ["astronaut.png", "grace_hopper.jpg"]
MIN_VISIBILITY = 0.5

NOSE, MOUTH, SHOULDERS, HIPS = 0, (9, 10), (11, 12), (23, 24)
ARMS = ((11, 13, 15), (12, 14, 16))
FEET = (27, 28, 29, 30, 31, 32)
# The keypoints each view is built around (those of them the model sees).
ANCHORS = {
    "neck": MOUTH + SHOULDERS,
    "zoom": SHOULDERS + HIPS,
    "waist": HIPS,
    "length": SHOULDERS + FEET,
    "onwhite": (NOSE,) + SHOULDERS + HIPS + FEET,
}


@functools.cache
def analysis_of(name: str, view_aspects: str = "") -> PhotoAnalysis:
    return analyze_photo((PHOTOS / name).read_bytes(), Settings.from_env({"VIEW_ASPECTS": view_aspects}))


def visible(analysis: PhotoAnalysis, indices) -> list[tuple[float, float]]:
    return [analysis.keypoints[i][:2] for i in indices if analysis.keypoints[i][2] >= MIN_VISIBILITY]


def torso(analysis: PhotoAnalysis) -> float:
    k = analysis.keypoints
    shoulders = np.mean([k[i][:2] for i in SHOULDERS], axis=0)
    hips = np.mean([k[i][:2] for i in HIPS], axis=0)
    return float(math.dist(shoulders, hips))


def too_close_to_the_edge(points, box, image_size, margin) -> list[tuple[float, float]]:
    """The points less than `margin` px inside the box, except towards a box side on the image's edge (the image
    cuts it there; a padded box reaches past the image and keeps its margin)."""
    x0, y0, x1, y1 = box
    width, height = image_size
    return [
        (x, y) for x, y in points
        if not ((x - x0 >= margin or x0 == 0) and (x1 - x >= margin or x1 == width)
                and (y - y0 >= margin or y0 == 0) and (y1 - y >= margin or y1 == height))
    ]


@pytest.mark.parametrize("name", FULL_BODY)
def test_full_body_photo_gets_all_five_views_and_the_person_on_white(name):
    assert [view.label for view in analysis_of(name).views] == ["neck", "sleeve", "zoom", "waist", "length", "onwhite"]
    assert analysis_of(name).skipped == []


# messi5's kick is wider than the photo is high: its square length view (VIEW_ASPECTS=length=1:1) is padded.
@pytest.mark.parametrize(
    "photo", [(name,) for name in FULL_BODY + UPPER_BODY] + [("messi5.jpg", "length=1:1")], ids=" ".join
)
def test_every_view_holds_its_anchor_keypoints_with_a_margin(photo):
    analysis = analysis_of(*photo)
    for view in analysis.views:
        margin = 0.05 * torso(analysis)
        if view.label == "sleeve":  # one arm, either: its shoulder and elbow, and its wrist when seen
            arms = [visible(analysis, arm) for arm in ARMS if len(visible(analysis, arm[:2])) == 2]
            assert any(
                not too_close_to_the_edge(arm, view.box, analysis.image_size, margin) for arm in arms
            ), f"the sleeve view {view.box} holds no arm with {margin:.0f} px to spare"
        else:
            points = visible(analysis, ANCHORS[view.label])
            assert not too_close_to_the_edge(points, view.box, analysis.image_size, margin), view


@pytest.mark.parametrize("name", FULL_BODY + UPPER_BODY)
def test_no_view_is_stretched(name):
    for view in analysis_of(name).views:
        x0, y0, x1, y1 = view.box
        with Image.open(io.BytesIO(view.data)) as pixels:
            assert pixels.format == "JPEG"
            assert pixels.size == (view.width, view.height) == (x1 - x0, y1 - y0), view.label


@pytest.mark.parametrize("name", FULL_BODY)
def test_length_view_of_a_full_body_photo_holds_head_to_feet(name):
    analysis = analysis_of(name)
    (length,) = [view for view in analysis.views if view.label == "length"]
    x0, y0, x1, y1 = length.box
    for x, y in visible(analysis, (NOSE,) + FEET):
        assert x0 <= x <= x1 and y0 <= y <= y1


@pytest.mark.parametrize("name", UPPER_BODY)
def test_upper_body_photo_skips_the_views_that_need_legs_with_a_reason(name):
    analysis = analysis_of(name)
    skipped = {view.label: view.reason for view in analysis.skipped}
    assert "length" in skipped and "hips" in skipped["length"]
    assert "waist" in skipped and "hips" in skipped["waist"]
    assert "neck" in [view.label for view in analysis.views]


def test_overlay_is_drawn_on_the_full_photo_when_asked():
    data = (PHOTOS / "messi5.jpg").read_bytes()
    assert analyze_photo(data, Settings.from_env({})).overlay is None
    overlay = analyze_photo(data, Settings.from_env({}), overlay=True).overlay
    with Image.open(PHOTOS / "messi5.jpg") as original:
        assert overlay.size == original.size
        assert np.abs(np.asarray(overlay, dtype=int) - np.asarray(original.convert("RGB"), dtype=int)).max() > 100


def test_12_megapixel_jpeg_gives_keypoints_and_views_in_full_size_pixels():
    with Image.open(PHOTOS / "bus.jpg") as small:
        big = small.resize((small.width * 4, small.height * 4), Image.Resampling.BILINEAR)
    data = io.BytesIO()
    big.save(data, "JPEG", quality=92)
    analysis = analyze_photo(data.getvalue(), Settings.from_env({}))
    assert analysis.image_size == big.size
    # The pose ran on a quarter-size draft decode; scaled up, it lands where the small photo's pose does x4.
    small_points = np.array(analysis_of("bus.jpg").keypoints)[:, :2] * 4
    big_points = np.array(analysis.keypoints)[:, :2]
    assert np.hypot(*(big_points - small_points).T).mean() < 4 * 3.0  # 3 px of the pose input
    for view in analysis.views:
        assert not view.low_resolution
        if view.label == "onwhite":  # centred on the person near the photo's left edge: white past it
            assert view.box[0] < 0 < view.box[2] and 0 <= view.box[1] < view.box[3] <= big.height
            continue
        assert 0 <= view.box[0] < view.box[2] <= big.width and 0 <= view.box[1] < view.box[3] <= big.height


def test_photo_without_a_person_fails_with_no_person_found():
    data = io.BytesIO()
    Image.linear_gradient("L").resize((800, 600)).convert("RGB").save(data, "JPEG")
    with pytest.raises(NoPersonFound, match="no person found in the image"):
        analyze_photo(data.getvalue(), Settings.from_env({}))


def test_webp_views_when_the_settings_ask_for_webp():
    analysis = analyze_photo((PHOTOS / "messi5.jpg").read_bytes(), Settings.from_env({}, view_format="webp"))
    for view in analysis.views:
        assert view.content_type == "image/webp"
        with Image.open(io.BytesIO(view.data)) as pixels:
            assert pixels.format == "WEBP" and pixels.size == (view.width, view.height)


def test_view_aspects_setting_changes_the_ratio_of_the_named_view_only():
    settings = Settings.from_env({"VIEW_ASPECTS": "zoom=4:5"})
    views = {view.label: view for view in analyze_photo((PHOTOS / "bus.jpg").read_bytes(), settings).views}
    assert views["zoom"].width * 5 == views["zoom"].height * 4  # a standing torso: portrait 4:5
    assert views["length"].width * 4 == views["length"].height * 3  # still the default 3:4


# 3/4 shots cut from the full-body photos: the beige-coated man of bus.jpg and the standing player of
# basketball1.png, each cut between the hips and the knees and enlarged three times.
THREE_QUARTER_SHOTS = {"bus.jpg": (0, 380, 255, 720), "basketball1.png": (0, 40, 230, 347)}


@pytest.mark.parametrize("name", THREE_QUARTER_SHOTS)
def test_three_quarter_shot_gets_all_five_views_and_a_length_view_from_the_head_to_the_bottom_edge(name):
    image = three_quarter(name, THREE_QUARTER_SHOTS[name])
    analysis = analyze_photo(jpeg(image), Settings.from_env({}))
    assert [view.label for view in analysis.views] == ["neck", "sleeve", "zoom", "waist", "length", "onwhite"]
    views = {view.label: view for view in analysis.views}
    length = views["length"]
    # The model may see the knees on the bottom edge (it does on both), never the feet.
    assert length.reach in ("thighs", "knees") and not length.padded
    x0, y0, x1, y1 = length.box
    assert y1 == image.height  # the legs go on past the edge: so does the view
    nose_x, nose_y, _ = analysis.keypoints[NOSE]
    assert x0 <= nose_x <= x1 and y0 < nose_y - 0.1 * torso(analysis)  # room above the face for the crown
    assert all(view.reach is None for label, view in views.items() if label != "length")


@pytest.mark.parametrize("make", [whole_beside_cut_large, front_covering_rear], ids=lambda make: make.__name__)
def test_views_of_a_photo_of_two_people_are_built_on_the_subjects_keypoints_only(make):
    image, (sx0, sy0, sx1, sy1) = make()
    analysis = analyze_photo(jpeg(image), Settings.from_env({}))
    assert analysis.people >= 2 and not analysis.ambiguous
    seen = [
        (x, y) for x, y, visibility in analysis.keypoints
        if visibility >= MIN_VISIBILITY and 0 <= x <= image.width and 0 <= y <= image.height
    ]
    assert len(seen) >= 20 and all(sx0 <= x <= sx1 and sy0 <= y <= sy1 for x, y in seen)
    assert [view.label for view in analysis.views] == ["neck", "sleeve", "zoom", "waist", "length", "onwhite"]
    (length,) = [view for view in analysis.views if view.label == "length"]
    x0, y0, x1, y1 = length.box
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in seen) and length.reach == "feet"
    # The length view is cut around the subject, not around both people; so is the on-white one (the subject's mask).
    assert x1 - x0 < 0.8 * image.width
    (onwhite,) = [view for view in analysis.views if view.label == "onwhite"]
    ox0, _, ox1, _ = onwhite.box
    assert ox1 - ox0 < 0.8 * image.width and ox0 <= (sx0 + sx1) / 2 <= ox1


def test_photo_of_two_people_alike_says_it_is_ambiguous():
    assert analysis_of("bus.jpg").ambiguous
    assert not analysis_of("messi5.jpg").ambiguous


def test_padded_and_reach_are_carried_to_the_rendered_views():
    views = {view.label: view for view in analysis_of("messi5.jpg", "length=1:1").views}
    assert views["length"].padded and views["length"].reach == "feet"
    assert not any(views[label].padded or views[label].reach for label in ("neck", "sleeve", "zoom", "waist"))
