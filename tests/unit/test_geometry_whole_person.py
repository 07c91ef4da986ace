"""The on-white view's box: the whole person (keypoints and the mask's extent), cut where the photo cuts the person.

Pure geometry, hand-made keypoints (geometry_people.py); the mask's extent is given as `outline` corners.
"""
from __future__ import annotations

import dataclasses

from geometry_people import STANDING_TORSO, person

from posecraft.views.geometry import ViewBox, fit_box, plan_views
from posecraft.views.recipes import ON_WHITE


def on_white(keypoints, image_size, outline=(), recipe=ON_WHITE) -> ViewBox:
    (plan,) = plan_views(keypoints, image_size, [recipe], outline=outline)
    assert isinstance(plan, ViewBox)
    return plan


def test_the_frame_holds_the_masks_extent_beyond_the_keypoints():
    # A wide skirt and a hat: the mask reaches 150 px past the keypoints on the left and 80 px above the crown.
    box = on_white(person(), (2400, 2400), outline=[(300, 60), (900, 1650)]).box
    assert box[0] <= 300 - 0.1 * STANDING_TORSO and box[1] <= 60 - 0.1 * STANDING_TORSO
    assert box[3] >= 1650


def test_a_person_cut_by_the_photos_bottom_edge_is_framed_down_to_it_with_no_white_below():
    # A 3/4 shot: the photo ends at the thighs (y = 1000); the mask goes down to the edge.
    keypoints = person(hidden=range(25, 33))
    box = on_white(keypoints, (1200, 1000), outline=[(420, 120), (780, 1000)]).box
    assert box[3] == 1000  # flush with the photo's edge, though the recipe has a margin
    assert box[1] <= 120 - 0.1 * STANDING_TORSO  # the margin above the head is kept


def test_a_portrait_cut_at_three_sides_gets_white_only_above_the_head():
    # Head and shoulders filling a 512 x 600 photo, wider (512) than high (450): turned 4:3 would put white beside
    # the cut shoulders; 3:4 needs 684 px of height, and the white goes above the head. On white, that is no padding
    # anyone sees: the view is not marked padded.
    keypoints = person(hidden=range(13, 33), scale=0.5, shift=(0, 100))
    view = on_white(keypoints, (512, 600), outline=[(0, 150), (512, 600)])
    box = view.box
    assert not view.padded and box[3] == 600 and box[1] < 0
    assert box[0] >= -1 and box[2] <= 513  # no white beside the cut shoulders (1 px of rounding to 3:4)
    assert (box[2] - box[0]) * 4 == (box[3] - box[1]) * 3


def test_a_person_near_the_photos_side_stays_centred_with_white_past_the_edge():
    # A standing person whose mask spans x 40..440 in a wide street photo (another person to the right): the length
    # view shifts into the photo (and shows the neighbour); on white the frame stays on the person.
    keypoints = person(shift=(-360, 0))
    outline = [(40, 60), (440, 1660)]
    plans = {plan.label: plan for plan in plan_views(keypoints, (2400, 1800), outline=outline)}
    onwhite = on_white(keypoints, (2400, 1800), outline=outline)
    assert plans["length"].box[0] == 0
    left_room, right_room = 40 - onwhite.box[0], onwhite.box[2] - 440
    assert onwhite.box[0] < 0 and abs(left_room - right_room) <= 3  # centred: as much white left as right
    assert not onwhite.padded


def test_without_the_cut_rule_a_padded_box_keeps_its_margin_on_every_side():
    region, margin = (0, 150, 512, 600), 20.0
    box, padded = fit_box(region, margin, (3, 4), (512, 600))
    assert padded and box[3] >= 620 and box[0] <= -20  # margin past the photo on the cut sides too
    box, padded = fit_box(region, margin, (3, 4), (512, 600), towards=(0, -1), cut=(True, False, True, True))
    assert padded and box[3] == 600 and box[2] - box[0] <= 513


def test_a_ratio_that_does_not_turn_stays_portrait_for_a_wide_region():
    lying = {i: (1800 - y, x) for i, (x, y) in enumerate(p[:2] for p in person())}
    keypoints = person(lying)
    turned = on_white(keypoints, (2400, 2400))
    kept = on_white(keypoints, (2400, 2400), recipe=dataclasses.replace(ON_WHITE, turns=False))
    assert turned.width * 3 == turned.height * 4  # 4:3 landscape for the person lying down
    assert kept.width * 4 == kept.height * 3  # 3:4 portrait, as a marketplace frame asks
