"""The pose engine on real photos (against mediapipe's own landmarks) and its pure numpy pieces.

Needs the model files: `python -m posecraft.pose.models install` (the test command runs it first).
"""
from __future__ import annotations

import importlib.util
import json
import math

import numpy as np
import pytest
from PIL import Image
from support.images import PHOTOS

from posecraft.config import Settings
from posecraft.errors import NoPersonFound
from posecraft.pose import detector, landmarks
from posecraft.pose.engine import get_engine, prominence_order

MEDIAPIPE = json.loads((PHOTOS / "mediapipe_landmarks.json").read_text())["photos"]
# Photos where mediapipe found the whole person (all 33 landmarks are on the body, not guessed off-frame).
FULL_BODY = ["bus.jpg", "basketball1.png", "messi5.jpg"]
# Head and shoulders only: the legs are outside the frame, mediapipe's and ours are guesses there.
UPPER_BODY = ["astronaut.png", "grace_hopper.jpg"]
ANKLES, NOSE, HIPS = (27, 28), 0, (23, 24)


def photo(name: str) -> Image.Image:
    with Image.open(PHOTOS / name) as im:
        return im.convert("RGB")


def keypoint_errors(name: str, runtime: str = "litert") -> np.ndarray:
    """Pixel distance from each of our 33 keypoints to mediapipe's."""
    ours = np.array(get_engine(Settings.from_env({}, pose_runtime=runtime)).estimate(photo(name)).keypoints)
    theirs = np.array(MEDIAPIPE[name]["landmarks"])
    return np.hypot(*(ours[:, :2] - theirs[:, :2]).T)


@pytest.mark.parametrize("name", FULL_BODY)
def test_full_body_keypoints_agree_with_mediapipe_within_3px_mean(name):
    assert keypoint_errors(name).mean() < 3.0


@pytest.mark.parametrize("name", UPPER_BODY)
def test_upper_body_keypoints_mediapipe_sees_agree_within_5px_mean(name):
    visible = np.array(MEDIAPIPE[name]["landmarks"])[:, 3] > 0.5
    assert keypoint_errors(name)[visible].mean() < 5.0


@pytest.mark.parametrize("name", FULL_BODY + UPPER_BODY)
def test_litert_and_tensorflow_runtimes_give_the_same_keypoints_within_half_a_pixel(name):
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("tensorflow is not installed: pip install 'posecraft[tensorflow]' (CI installs it)")
    litert = np.array(get_engine(Settings.from_env({}, pose_runtime="litert")).estimate(photo(name)).keypoints)
    tflite = np.array(get_engine(Settings.from_env({}, pose_runtime="tensorflow")).estimate(photo(name)).keypoints)
    assert np.hypot(*(litert[:, :2] - tflite[:, :2]).T).max() < 0.5


def test_bus_photo_counts_several_people_and_picks_a_whole_standing_one():
    image = photo("bus.jpg")
    result = get_engine(Settings.from_env({})).estimate(image)
    assert result.people >= 2
    points = np.array(result.keypoints)
    # Standing and whole: head above hips above ankles, ankles seen, the body spans a good part of the photo.
    assert points[NOSE, 1] < points[HIPS, 1].min() < points[ANKLES, 1].min()
    assert (points[ANKLES, 2] > 0.5).all()
    assert points[ANKLES, 1].max() - points[NOSE, 1] > 0.3 * image.height
    assert points[ANKLES, 1].max() < image.height


def test_photo_of_one_person_counts_one():
    assert get_engine(Settings.from_env({})).estimate(photo("messi5.jpg")).people == 1


@pytest.mark.parametrize(
    "image",
    [
        pytest.param(Image.linear_gradient("L").resize((640, 480)).convert("RGB"), id="plain-gradient"),
        pytest.param(photo("bus.jpg").crop((0, 0, 810, 300)), id="bus-front-without-people"),
    ],
)
def test_image_without_a_person_raises_no_person_found(image):
    with pytest.raises(NoPersonFound, match="no person found in the image"):
        get_engine(Settings.from_env({})).estimate(image)


def test_engine_is_loaded_once_per_settings():
    assert get_engine(Settings.from_env({})) is get_engine(Settings.from_env({}))
    assert get_engine(Settings.from_env({})) is not get_engine(Settings.from_env({}, pose_model="lite"))


@pytest.mark.parametrize("model", ["lite", "heavy"])
def test_lite_and_heavy_models_find_the_same_person(model):
    full = np.array(get_engine(Settings.from_env({})).estimate(photo("messi5.jpg")).keypoints)
    other = np.array(get_engine(Settings.from_env({}, pose_model=model)).estimate(photo("messi5.jpg")).keypoints)
    torso = math.dist(full[11, :2], full[23, :2])
    assert np.median(np.hypot(*(full[:, :2] - other[:, :2]).T)) < 0.25 * torso


# --- pure pieces ----------------------------------------------------------------------------------


def test_anchor_grid_matches_the_detector_outputs():
    assert detector.ANCHORS.shape == (2254, 2)
    # First layer: 28x28 cells, two anchors each, centred in their cell.
    assert np.allclose(detector.ANCHORS[:2], [[0.5 / 28, 0.5 / 28]] * 2)
    assert np.allclose(detector.ANCHORS[-1], [6.5 / 7, 6.5 / 7])


def test_weighted_nms_merges_overlapping_boxes_by_score_and_keeps_separate_ones():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], dtype=float)
    keypoints = np.array([[[5, 5]] * 4, [[6, 5]] * 4, [[55, 55]] * 4], dtype=float)
    scores = np.array([0.9, 0.6, 0.8])
    merged, separate = detector.weighted_nms(boxes, keypoints, scores)
    assert merged.score == 0.9 and separate.score == 0.8
    assert np.allclose(merged.box, [0.4, 0, 10.4, 10])  # (0*0.9 + 1*0.6) / 1.5
    assert np.allclose(merged.keypoints[0], [5.4, 5])
    assert np.allclose(separate.box, [50, 50, 60, 60])


def test_decode_maps_letterboxed_detections_back_to_image_pixels():
    # One confident anchor at the centre of a 448x224 image's letterbox (224 px of padding above and below).
    raw = np.zeros((2254, 12), dtype=np.float32)
    logits = np.full(2254, -10.0, dtype=np.float32)
    centre = int(np.argmin(np.hypot(*(detector.ANCHORS - 0.5).T)))
    raw[centre, 2:4] = 56  # a box of 56x56 model pixels = 112x112 image pixels
    logits[centre] = 5.0
    (found,) = detector.decode(raw, logits, (448, 224))
    anchor_x, anchor_y = detector.ANCHORS[centre] * 448 - [0, 112]
    assert np.allclose(found.box, [anchor_x - 56, anchor_y - 56, anchor_x + 56, anchor_y + 56], atol=1e-3)


def test_blanking_the_found_people_lets_the_detector_find_a_second_one():
    image = photo("bus.jpg")
    engine = get_engine(Settings.from_env({}))
    first = engine.run_detector(detector.letterbox_input(image), image.size)
    assert len(first) == 1  # the detector alone reports only the most salient person
    blanked = detector.blank_people(detector.letterbox_input(image), first, image.size)
    (second,) = engine.run_detector(blanked, image.size)
    assert math.dist(second.body_centre, first[0].body_centre) > first[0].body_radius / 2


def _detection(centre, radius, score):
    centre = np.array(centre, dtype=float)
    return detector.Detection(score, np.zeros(4), np.array([centre, centre - [0, radius], centre, centre]))


def test_prominence_prefers_the_larger_person_then_the_one_nearer_the_centre():
    size = (1000, 1000)
    small_centred = _detection((500, 500), 100, 0.9)
    large_off_centre = _detection((150, 500), 300, 0.9)
    assert prominence_order([small_centred, large_off_centre], size) == [1, 0]
    same_size_edge = _detection((100, 500), 200, 0.9)
    same_size_centre = _detection((500, 500), 200, 0.9)
    assert prominence_order([same_size_edge, same_size_centre], size) == [1, 0]


def test_prominence_prefers_a_confident_whole_person_to_a_larger_weak_detection():
    whole = _detection((100, 260), 180, 0.9)  # basketball1.png: the standing player
    cut_by_frame = _detection((580, 270), 220, 0.56)  # and the one cut by the right edge
    assert prominence_order([cut_by_frame, whole], (640, 480)) == [1, 0]


def test_landmark_crop_repeats_edge_pixels_outside_the_image():
    pixels = np.zeros((100, 100, 3), dtype=np.uint8)
    pixels[:, -1] = (255, 0, 0)  # a red right-hand column
    # A 100 px ROI centred on the right edge: its right half lies outside the image.
    crop = landmarks.crop_input(pixels, landmarks.Roi(99.0, 50.0, 100.0, 0.0))[0]
    assert crop.shape == (256, 256, 3)
    assert np.allclose(crop[:, 140:], [1.0, 0.0, 0.0])  # outside: the edge column repeated, not black
    assert np.allclose(crop[:, :120], 0.0)


def test_landmark_crop_follows_the_roi_rotation():
    pixels = np.zeros((200, 200, 3), dtype=np.uint8)
    pixels[:100] = 255  # white top half
    # Rotated half a turn, the ROI's top row reads the image's bottom half.
    crop = landmarks.crop_input(pixels, landmarks.Roi(100.0, 100.0, 100.0, math.pi))[0]
    assert crop[:100].max() == 0.0 and crop[-100:].min() == 1.0


def test_heatmap_refinement_moves_a_keypoint_to_the_confident_cells_only_when_confident():
    heatmap = np.full((64, 64, 2), -10.0, dtype=np.float32)
    heatmap[20, 31, 0] = 10.0  # keypoint 0: a confident peak one cell right of where it was regressed
    u = np.array([30.5 / 64, 10.5 / 64])
    v = np.array([20.5 / 64, 10.5 / 64])
    refined_u, refined_v = landmarks.refine_from_heatmap(u, v, heatmap)
    assert refined_u[0] == pytest.approx(31 / 64, abs=1e-4) and refined_v[0] == pytest.approx(20 / 64, abs=1e-4)
    assert (refined_u[1], refined_v[1]) == (u[1], v[1])  # keypoint 1: no confident cell, left where it was


def test_roi_to_image_inverts_the_crop_mapping():
    roi = landmarks.Roi(300.0, 200.0, 128.0, math.pi / 2)
    # The ROI's top-centre (0.5, 0) is half a side away from the centre, turned a quarter: to the right.
    x, y = roi.to_image(np.array([0.5]), np.array([0.0]))
    assert (x[0], y[0]) == pytest.approx((364.0, 200.0))
