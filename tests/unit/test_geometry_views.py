"""Where the garment views are cut, from hand-made keypoints: pure functions, no models, no services."""
from __future__ import annotations

import pytest
from geometry_people import (
    ARMS_RAISED,
    ARMS_RAISED_SHIFT,
    SIDEWAYS,
    SIDEWAYS_HIDDEN,
    STANDING,
    STANDING_TORSO,
    person,
    turned,
    with_points,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from posecraft.config import Settings
from posecraft.views import keypoints as kp
from posecraft.views.body import measure_body
from posecraft.views.geometry import SkippedView, ViewBox, fit_box, plan_views
from posecraft.views.recipes import DEFAULT_RECIPES, configured_recipes, parse_aspect, with_aspects

LABELS = ["neck", "sleeve", "zoom", "waist", "length"]
TITLES = ["Neck View", "Sleeve View", "Zoomed View", "Waist View", "Length View"]
ASPECT = {recipe.label: recipe.aspect for recipe in DEFAULT_RECIPES}
MARGIN = {recipe.label: recipe.margin for recipe in DEFAULT_RECIPES}


def by_label(plans):
    return {plan.label: plan for plan in plans}


def anchors(label, keypoints, arm=None):
    """The keypoints a view must show (the ones its recipe is built on)."""
    visible = [i for i, (_, _, v) in enumerate(keypoints) if v >= 0.5]
    indices = {
        "neck": [*kp.MOUTH, *kp.SHOULDERS],
        "sleeve": list(arm or kp.LEFT_ARM),
        "zoom": [*kp.SHOULDERS, *kp.HIPS],
        "waist": list(kp.HIPS),
        "length": visible,
    }[label]
    return [keypoints[i][:2] for i in indices if i in visible]


def assert_well_formed(view: ViewBox, image_size, upright=True):
    x0, y0, x1, y1 = view.box
    aw, ah = ASPECT[view.label] if upright else ASPECT[view.label][::-1]
    assert (x1 - x0) * ah == (y1 - y0) * aw, f"{view.label} is not {aw}:{ah}: {view.box}"
    if not view.padded:
        assert 0 <= x0 < x1 <= image_size[0] and 0 <= y0 < y1 <= image_size[1], f"{view.label} leaves the image"


def assert_holds(view: ViewBox, points, margin=0.0):
    x0, y0, x1, y1 = view.box
    for x, y in points:
        assert x0 + margin <= x <= x1 - margin and y0 + margin <= y <= y1 - margin, (
            f"{view.label} box {view.box} does not hold ({x:.0f}, {y:.0f}) with {margin:.0f} px to spare"
        )


def holds_one_arm(view: ViewBox, keypoints) -> bool:
    x0, y0, x1, y1 = view.box
    arms = [anchors("sleeve", keypoints, arm) for arm in (kp.LEFT_ARM, kp.RIGHT_ARM)]
    return any(all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in arm) for arm in arms)


def test_upright_full_body_gets_all_five_views_with_their_titles_in_order():
    plans = plan_views(person(), (1200, 2000))
    assert [p.label for p in plans] == LABELS
    assert [p.title for p in plans] == TITLES
    assert all(isinstance(p, ViewBox) and not p.low_resolution and not p.padded for p in plans)


@pytest.mark.parametrize("label", LABELS)
def test_upright_view_holds_its_keypoints_with_a_body_relative_margin(label):
    keypoints = person()
    view = by_label(plan_views(keypoints, (1200, 2000)))[label]
    assert_well_formed(view, (1200, 2000))
    # Where the frame leaves room, at least the recipe's margin is kept around the anchors (the length view
    # of this frame fills its width, so it keeps its margin only top and bottom).
    room = 0.0 if label == "length" else MARGIN[label] * STANDING_TORSO - 1
    assert_holds(view, anchors(label, keypoints), margin=room)


def test_neck_view_spans_mouth_to_below_the_shoulder_line_and_is_square():
    neck = by_label(plan_views(person(), (1200, 2000)))["neck"]
    x0, y0, x1, y1 = neck.box
    assert x1 - x0 == y1 - y0
    assert y0 < STANDING[9][1] and y1 > STANDING[11][1] + 0.3 * STANDING_TORSO  # the collar below the shoulders
    assert x0 < STANDING[12][0] and x1 > STANDING[11][0]


def test_views_scale_with_the_person_not_the_photo():
    small = by_label(plan_views(person(), (1200, 2000)))
    large = by_label(plan_views(person(scale=2.0), (2400, 4000)))
    for label in LABELS:
        for a, b in zip(small[label].box, large[label].box, strict=False):
            assert abs(2 * a - b) <= 6, f"{label}: {small[label].box} x2 != {large[label].box}"


def test_sideways_person_gets_the_visible_arm_and_a_neck_view_wider_than_the_shoulders():
    keypoints = person(SIDEWAYS, hidden=SIDEWAYS_HIDDEN)
    plans = by_label(plan_views(keypoints, (1200, 2000)))
    assert all(isinstance(plans[label], ViewBox) for label in LABELS)
    sleeve = plans["sleeve"]
    assert_holds(sleeve, anchors("sleeve", keypoints, arm=kp.LEFT_ARM))
    # The shoulders are 20 px apart seen from the side; the margin is in torso lengths, so the collar still fits.
    neck = plans["neck"]
    assert neck.width >= 0.5 * STANDING_TORSO
    for label in LABELS:
        assert_well_formed(plans[label], (1200, 2000))


def test_sleeve_view_takes_the_arm_the_model_sees_better():
    keypoints = person()
    keypoints[13] = (*keypoints[13][:2], 0.6)  # the left elbow is doubtful
    sleeve = by_label(plan_views(keypoints, (1200, 2000)))["sleeve"]
    assert_holds(sleeve, anchors("sleeve", keypoints, arm=kp.RIGHT_ARM))
    assert sleeve.box[0] < STANDING[16][0] < sleeve.box[2] and sleeve.box[2] < STANDING[15][0]


def test_arms_raised_sleeve_reaches_the_hand_above_the_head_and_length_holds_the_hands():
    keypoints = person(ARMS_RAISED, shift=ARMS_RAISED_SHIFT)
    plans = by_label(plan_views(keypoints, (1200, 2000)))
    sleeve, length = plans["sleeve"], plans["length"]
    assert_well_formed(sleeve, (1200, 2000))
    assert sleeve.height > sleeve.width  # the arm runs up and down: portrait
    assert_holds(sleeve, anchors("sleeve", keypoints))
    assert_holds(length, anchors("length", keypoints))


def test_upright_full_body_length_view_reaches_the_feet_and_no_other_view_has_a_reach():
    plans = by_label(plan_views(person(), (1200, 2000)))
    assert plans["length"].reach == "feet"
    assert all(plans[label].reach is None for label in LABELS if label != "length")


def test_cut_below_the_knees_gets_a_length_view_from_the_head_to_the_bottom_edge_reaching_the_knees():
    # The photo ends just below the knees: the ankles and feet lie outside it. (The length view used to be skipped
    # here, "needs the ankles or feet"; a 3/4 shot now gets one.)
    keypoints = person()
    plans = by_label(plan_views(keypoints, (1200, 1250)))
    length = plans["length"]
    assert isinstance(length, ViewBox) and length.reach == "knees" and not length.padded
    assert_well_formed(length, (1200, 1250))
    assert length.box[3] == 1250  # down to the photo's edge, where the legs go on
    crown_y = STANDING[0][1] - 0.3 * STANDING_TORSO
    assert length.box[1] <= crown_y - MARGIN["length"] * STANDING_TORSO
    assert_holds(length, [p for p in anchors("length", keypoints) if p[1] <= 1250])
    for label in ["neck", "sleeve", "zoom", "waist"]:
        assert isinstance(plans[label], ViewBox)
        assert_well_formed(plans[label], (1200, 1250))
        assert_holds(plans[label], anchors(label, keypoints))


@pytest.mark.parametrize(
    "height, reach",
    [(1000, "thighs"), (850, "hips"), (1250, "knees"), (2000, "feet")],
    ids=["cut-at-the-thigh", "cut-at-the-hips", "cut-below-the-knees", "whole"],
)
def test_length_view_says_how_far_down_the_body_it_reaches(height, reach):
    # Hips at y = 800, knees at 1180, ankles at 1560; the torso is 460 px. A photo that ends 200 px (0.43 torso)
    # below the hips shows the thighs; 50 px (0.11 torso), only the hips.
    length = by_label(plan_views(person(), (1200, height)))["length"]
    assert isinstance(length, ViewBox) and length.reach == reach
    assert length.box[3] == height or reach == "feet"


def test_three_quarter_shot_in_a_photo_too_narrow_for_it_keeps_the_head_and_reaches_as_far_down_as_it_can():
    # Cut at the thigh (hips at 800, the photo ends at 1000) in a 640 px wide photo: a 3:4 view from the crown to the
    # bottom edge would need ~760 px of width. Rather than pad, the largest 3:4 view the photo holds (639 x 852),
    # from the crown with its margin, down past the hips.
    keypoints = person(shift=(-280, 0))
    length = by_label(plan_views(keypoints, (640, 1000)))["length"]
    assert not length.padded and length.reach == "thighs"
    assert (length.width, length.height) == (639, 852)
    assert_well_formed(length, (640, 1000))
    margin = MARGIN["length"] * STANDING_TORSO
    crown_y = STANDING[0][1] - 0.3 * STANDING_TORSO
    assert crown_y - margin - 1 <= length.box[1] <= crown_y - margin
    assert_holds(length, [p for p in anchors("length", keypoints) if p[1] <= 1000], margin=margin - 1)
    assert length.box[3] > STANDING[23][1] + margin


def test_head_cut_by_the_top_edge_is_no_anchor_the_length_view_starts_at_the_edge():
    # The model places the face 50-95 px above the photo: the neck view has no mouth to hold, and the length view
    # starts at the photo's top edge instead of reaching past it into white.
    keypoints = person(shift=(0, -300))
    plans = by_label(plan_views(keypoints, (1200, 1500)))
    assert plans["neck"].reason == "needs the mouth: not visible"
    length = plans["length"]
    assert not length.padded and length.box[1] == 0 and length.reach == "feet"
    assert_well_formed(length, (1200, 1500))


def test_sleeve_view_of_an_arm_whose_wrist_is_hidden_holds_shoulder_and_elbow():
    # A short sleeve ends at the elbow: the view needs no wrist. The left wrist is hidden, the right arm too.
    keypoints = person(hidden=[15, 16, 14])
    sleeve = by_label(plan_views(keypoints, (1200, 2000)))["sleeve"]
    assert isinstance(sleeve, ViewBox)
    assert_holds(sleeve, [STANDING[11], STANDING[13]], margin=MARGIN["sleeve"] * STANDING_TORSO - 1)
    assert sleeve.box[3] < STANDING[15][1]  # shoulder to elbow and its margin: the hidden wrist is not framed


def test_sleeve_view_prefers_the_arm_seen_whole_to_one_whose_wrist_is_hidden():
    keypoints = person(hidden=[15])  # the left wrist is hidden; the right arm is seen to the wrist
    sleeve = by_label(plan_views(keypoints, (1200, 2000)))["sleeve"]
    assert_holds(sleeve, anchors("sleeve", keypoints, arm=kp.RIGHT_ARM))


def test_head_and_shoulders_photo_skips_the_views_that_need_hips_arms_or_feet():
    keypoints = person(hidden=[13, 14, 15, 16, *range(17, 33)])
    plans = by_label(plan_views(keypoints, (1200, 700)))
    assert isinstance(plans["neck"], ViewBox)
    assert plans["sleeve"].reason == "needs the shoulder and elbow of one arm: not visible"
    assert plans["zoom"].reason == "needs the hips: not visible"
    assert plans["waist"].reason == "needs the hips: not visible"
    assert plans["length"].reason == "needs the hips: not visible"


def test_nobody_visible_skips_every_view_naming_what_each_needs():
    plans = plan_views(person(visibility=0.1), (1200, 2000))
    assert all(isinstance(p, SkippedView) for p in plans)
    assert by_label(plans)["neck"].reason == "needs the mouth and both shoulders: not visible"


def test_lying_person_gets_landscape_tall_views_that_hold_the_body():
    # Lying on the floor, head to the left: the 3:4 portrait views turn 4:3.
    points = turned(STANDING, -90, centre=(600, 920), to=(1000, 600))
    keypoints = person(points)
    plans = by_label(plan_views(keypoints, (2000, 1200)))
    for label in LABELS:
        view = plans[label]
        assert isinstance(view, ViewBox), view
        assert_well_formed(view, (2000, 1200), upright=False)
        if label == "sleeve":  # both arms are equally clear: either will do
            assert holds_one_arm(view, keypoints)
        else:
            assert_holds(view, anchors(label, keypoints))
    assert plans["length"].width > plans["length"].height
    # "Below the shoulder line" follows the body: the neck view reaches past the shoulders towards the hips (right).
    assert plans["neck"].box[2] > max(keypoints[11][0], keypoints[12][0]) + 0.25 * STANDING_TORSO


def test_tiny_person_in_a_large_frame_gets_small_views_flagged_low_resolution():
    keypoints = person(scale=0.1, shift=(1800, 1200))
    plans = plan_views(keypoints, (4000, 3000))
    assert all(isinstance(p, ViewBox) and p.low_resolution for p in plans)
    length = by_label(plans)["length"]
    assert length.height < 250  # sized to the person (~170 px), not to the frame
    assert_holds(length, anchors("length", keypoints))


def test_person_at_the_image_edge_gets_views_shifted_inside_still_holding_the_body():
    keypoints = person(shift=(-450, 0))  # the right wrist 10 px from the left edge
    plans = by_label(plan_views(keypoints, (1400, 2000)))
    for label in ["neck", "zoom", "waist", "length"]:
        view = plans[label]
        assert view.box[0] == 0, f"{label} should touch the edge it was pushed against"
        assert_well_formed(view, (1400, 2000))
        assert_holds(view, anchors(label, keypoints))


def test_image_too_narrow_for_the_ratio_pads_rather_than_cut_or_stretch():
    # A 400 px wide strip holding the whole person: a 3:4 length view of ~1540 px of body needs ~1160 px of width.
    keypoints = person(shift=(-400, 0))
    length = by_label(plan_views(keypoints, (400, 2000)))["length"]
    assert length.padded
    assert length.width * 4 == length.height * 3
    assert length.box[0] < 0 < 400 < length.box[2]
    assert abs(-length.box[0] - (length.box[2] - 400)) <= 1  # the white bands left and right are equal
    assert_holds(length, anchors("length", keypoints))


LYING_CENTRED = person(turned(STANDING, -90, centre=(600, 920), to=(1000, 300)))
LYING_ON_THE_BOTTOM_EDGE = person(turned(STANDING, -90, centre=(600, 920), to=(1000, 447)))  # a hand at y = 592


@pytest.mark.parametrize(
    "keypoints, image_size, aspects",
    [
        # Lying down, about 1540 px head to toes: a 4:3 length view needs ~1220 px of height, the strip has 600.
        (LYING_CENTRED, (2000, 600), {}),
        (LYING_ON_THE_BOTTOM_EDGE, (2000, 600), {}),
        # A square length view (VIEW_ASPECTS=length=1:1) of the same person in a 2000 x 1000 photo.
        (LYING_CENTRED, (2000, 1000), {"length": "1:1"}),
    ],
    ids=["lying-in-a-short-strip", "lying-on-the-strip's-bottom-edge", "square-length-view-in-a-wide-photo"],
)
def test_padded_length_view_in_a_short_wide_photo_keeps_its_margin_around_every_keypoint(
    keypoints, image_size, aspects
):
    length = by_label(plan_views(keypoints, image_size, with_aspects(DEFAULT_RECIPES, aspects)))["length"]
    aw, ah = parse_aspect(aspects.get("length", "3:4"))
    assert length.padded
    assert length.width * aw == length.height * ah  # a region wider than tall: the ratio turned
    width, height = image_size
    x0, y0, x1, y1 = length.box
    assert 0 <= x0 < x1 <= width  # wide enough: padded only top and bottom
    assert y0 < 0 and height < y1 and abs(-y0 - (y1 - height)) <= 1  # the white bands are equal
    assert_holds(length, anchors("length", keypoints), margin=MARGIN["length"] * STANDING_TORSO)


@pytest.mark.parametrize(
    "region, margin, aspect, image_size, box",
    [
        # messi5.jpg's kick with a square length view: 348 px wide in a 342 px high photo.
        ((88, 82, 436, 322), 10.7, (1, 1), (548, 342), (77, -14, 447, 356)),
        # On the top edge of a photo just too short: the band below grows to match the margin above (38 / 37).
        ((100, 0, 1330, 300), 37, (4, 3), (3000, 912), (57, -38, 1373, 949)),
        # The region fills a small photo: white on all four sides, the margin all round.
        ((0, 0, 100, 60), 10, (1, 1), (100, 60), (-10, -30, 110, 90)),
    ],
    ids=["kick-in-a-short-photo", "on-the-top-edge", "filling-a-small-photo"],
)
def test_padded_box_holds_the_region_with_its_whole_margin_and_equal_white_bands(
    region, margin, aspect, image_size, box
):
    assert fit_box(region, margin, aspect, image_size) == (box, True)
    x0, y0, x1, y1 = box
    assert region[0] - x0 >= margin and region[1] - y0 >= margin
    assert x1 - region[2] >= margin and y1 - region[3] >= margin
    for start, end, limit in ((x0, x1, image_size[0]), (y0, y1, image_size[1])):
        assert (0 <= start and end <= limit) or abs(-start - (end - limit)) <= 1


def test_region_larger_than_the_image_shrinks_keeping_the_ratio_before_any_padding():
    box, padded = fit_box((100, 100, 300, 900), margin=200, aspect=(3, 4), image_size=(1000, 1000))
    assert not padded
    assert box == (0, 0, 750, 1000)


def test_configured_aspect_ratio_replaces_the_default():
    recipes = with_aspects(DEFAULT_RECIPES, {"zoom": "4:5", "length": "2:3"})
    plans = by_label(plan_views(person(), (1200, 2000), recipes))
    assert plans["zoom"].width * 5 == plans["zoom"].height * 4
    assert plans["length"].width * 3 == plans["length"].height * 2


@pytest.mark.parametrize(
    "text, reason",
    [("3x4", "is not WIDTH:HEIGHT"), ("0:4", "two positive numbers"), ("a:b", "is not WIDTH:HEIGHT")],
)
def test_bad_aspect_ratio_setting_says_what_is_expected(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_aspect(text)


def test_aspect_for_an_unknown_view_names_the_known_ones():
    with pytest.raises(ValueError, match="no view named collar"):
        with_aspects(DEFAULT_RECIPES, {"collar": "1:1"})


def test_wrong_number_of_keypoints_is_refused():
    with pytest.raises(ValueError, match="expected 33 keypoints"):
        plan_views([(0, 0, 1)] * 17, (100, 100))


@settings(max_examples=150, deadline=None)
@given(
    scale=st.floats(0.05, 3.0),
    degrees=st.floats(-180, 180),
    cx=st.floats(0.0, 1.0),
    cy=st.floats(0.0, 1.0),
    width=st.integers(40, 4000),
    height=st.integers(40, 4000),
)
def test_any_pose_anywhere_gives_exact_ratio_boxes_inside_the_image_that_hold_their_keypoints(
    scale, degrees, cx, cy, width, height
):
    points = {i: ((x - 600) * scale, (y - 920) * scale) for i, (x, y) in STANDING.items()}
    points = turned(points, degrees, centre=(0, 0), to=(cx * width, cy * height))
    keypoints = person(points)
    for view in plan_views(keypoints, (width, height)):
        if isinstance(view, SkippedView):
            continue
        x0, y0, x1, y1 = view.box
        aw, ah = ASPECT[view.label]
        assert (x1 - x0) * ah == (y1 - y0) * aw or (x1 - x0) * aw == (y1 - y0) * ah
        if not view.padded:
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height

        def in_frame(points):
            return [(x, y) for x, y in points if 0 <= x <= width and 0 <= y <= height]

        # A padded box (the photo is too small for the view) keeps the whole margin, except towards a side on the
        # photo's edge (the photo cuts it there); any other box at least holds the keypoints.
        margin = MARGIN[view.label] * measure_body(keypoints, (width, height), 0.5).torso if view.padded else 0.0

        def held(points, x0=x0, y0=y0, x1=x1, y1=y1, margin=margin):
            return all(
                (x - x0 >= margin or x0 == 0) and (x1 - x >= margin or x1 == width)
                and (y - y0 >= margin or y0 == 0) and (y1 - y >= margin or y1 == height)
                for x, y in points
            )

        if view.label == "sleeve":
            arms = [anchors("sleeve", keypoints, arm) for arm in (kp.LEFT_ARM, kp.RIGHT_ARM)]
            shown = [in_frame(arm) for arm in arms if in_frame(arm)]
            assert not shown or any(held(arm) for arm in shown), view
        else:
            assert held(in_frame(anchors(view.label, keypoints))), view


def test_view_aspects_setting_changes_the_ratios():
    settings = Settings.from_env({"VIEW_ASPECTS": "zoom=4:5, length=2:3"})
    plans = by_label(plan_views(person(), (1200, 2000), configured_recipes(settings.view_aspects)))
    assert plans["zoom"].width * 5 == plans["zoom"].height * 4
    assert plans["length"].width * 3 == plans["length"].height * 2
    with pytest.raises(ValueError, match="is not VIEW=WIDTH:HEIGHT"):
        configured_recipes(("neck:3:4",))


def test_neck_view_grows_towards_the_garment_not_the_face():
    # Broad shoulders: the square is wider than the mouth-to-collar region is tall, and the extra height goes
    # below the collar, not above the mouth.
    broad = with_points(STANDING, p11=(780, 340), p12=(420, 340))
    neck = by_label(plan_views(person(broad), (1200, 2000)))["neck"]
    margin = MARGIN["neck"] * STANDING_TORSO
    assert neck.width > 0.3 * STANDING_TORSO + (340 - 250) + 2 * margin  # it did grow in height
    mouth_y = STANDING[9][1]
    assert mouth_y - margin - 2 <= neck.box[1] < mouth_y
    # Lying with the head to the left, "below" is to the right.
    lying = person(turned(broad, -90, centre=(600, 920), to=(1000, 600)))
    neck = by_label(plan_views(lying, (2000, 1200)))["neck"]
    mouth_x = lying[9][0]
    assert mouth_x - margin - 2 <= neck.box[0] < mouth_x
