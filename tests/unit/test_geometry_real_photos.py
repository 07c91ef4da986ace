"""The views planned on real photos, from mediapipe 0.10.21's own landmarks for them (tests/photos/
mediapipe_landmarks.json): the geometry on real bodies, without running a model."""
from __future__ import annotations

import json

import pytest
from support.images import PHOTOS

from posecraft.views import keypoints as kp
from posecraft.views.body import measure_body
from posecraft.views.geometry import SkippedView, ViewBox, plan_views
from posecraft.views.recipes import DEFAULT_RECIPES, with_aspects

LANDMARKS = json.loads((PHOTOS / "mediapipe_landmarks.json").read_text())["photos"]
FULL_BODY = ["bus.jpg", "basketball1.png", "messi5.jpg"]
UPPER_BODY = ["astronaut.png", "grace_hopper.jpg"]
ASPECT = {recipe.label: recipe.aspect for recipe in DEFAULT_RECIPES}
MARGIN = {recipe.label: recipe.margin for recipe in DEFAULT_RECIPES}
ANCHORS = {
    "neck": [*kp.MOUTH, *kp.SHOULDERS],
    "zoom": [*kp.SHOULDERS, *kp.HIPS],
    "waist": list(kp.HIPS),
    "length": list(range(kp.COUNT)),
}
HEAD = range(0, 11)


def landmarks(photo):
    entry = LANDMARKS[photo]
    return [(x, y, visibility) for x, y, _z, visibility, _presence in entry["landmarks"]], tuple(entry["size"])


def inside(box, point, spare=0.0):
    x0, y0, x1, y1 = box
    return x0 + spare <= point[0] <= x1 - spare and y0 + spare <= point[1] <= y1 - spare


@pytest.mark.parametrize("photo", FULL_BODY)
def test_full_body_photo_gets_five_unstretched_views_holding_their_keypoints(photo):
    keypoints, size = landmarks(photo)
    plans = plan_views(keypoints, size)
    assert [p.label for p in plans] == ["neck", "sleeve", "zoom", "waist", "length"]
    for view in plans:
        assert isinstance(view, ViewBox), view
        x0, y0, x1, y1 = view.box
        aw, ah = ASPECT[view.label]
        assert (x1 - x0) * ah == (y1 - y0) * aw or (x1 - x0) * aw == (y1 - y0) * ah, view  # the ratio, either way up
        assert 0 <= x0 < x1 <= size[0] and 0 <= y0 < y1 <= size[1] and not view.padded
        if view.label == "sleeve":
            arms = [[keypoints[i] for i in arm] for arm in (kp.LEFT_ARM, kp.RIGHT_ARM)]
            assert any(all(inside(view.box, p) for p in arm) for arm in arms)
        else:
            shown = [keypoints[i] for i in ANCHORS[view.label] if keypoints[i][2] >= 0.5]
            shown = [p for p in shown if 0 <= p[0] <= size[0] and 0 <= p[1] <= size[1]]
            assert all(inside(view.box, p) for p in shown), view


@pytest.mark.parametrize("photo", FULL_BODY)
def test_length_view_of_a_full_body_photo_holds_head_to_feet(photo):
    keypoints, size = landmarks(photo)
    length = {p.label: p for p in plan_views(keypoints, size)}["length"]
    for i in [*HEAD, *kp.FEET]:
        x, y, _ = keypoints[i]
        if 0 <= x <= size[0] and 0 <= y <= size[1]:
            # A few pixels to spare wherever the frame has them.
            spare = 3 if 3 <= y <= size[1] - 3 else 0
            assert inside(length.box, (x, y), spare), (i, kp.NAMES[i], length.box)


def test_square_length_view_of_a_kick_wider_than_the_photo_is_high_is_padded_with_its_margin():
    # messi5.jpg: the kick is ~350 px wide, the photo 342 px high. A square length view (VIEW_ASPECTS=length=1:1)
    # has to pad; it keeps the recipe's margin around every keypoint rather than hold them edge to edge.
    keypoints, size = landmarks("messi5.jpg")
    plans = plan_views(keypoints, size, with_aspects(DEFAULT_RECIPES, {"length": "1:1"}))
    length = {p.label: p for p in plans}["length"]
    assert length.padded and length.width == length.height
    margin = MARGIN["length"] * measure_body(keypoints, size, 0.5).torso
    shown = [(x, y) for x, y, visibility in keypoints if visibility >= 0.5 and 0 <= x <= size[0] and 0 <= y <= size[1]]
    assert all(inside(length.box, p, margin) for p in shown), (length.box, margin)


@pytest.mark.parametrize("photo", UPPER_BODY)
def test_upper_body_photo_skips_the_views_that_need_hips_or_legs_with_a_reason(photo):
    keypoints, size = landmarks(photo)
    plans = {p.label: p for p in plan_views(keypoints, size)}
    assert isinstance(plans["neck"], ViewBox)
    assert plans["length"] == SkippedView("length", "Length View", "needs the hips: not visible")
    assert plans["waist"].reason == "needs the hips: not visible"
