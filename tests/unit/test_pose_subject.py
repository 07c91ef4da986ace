"""Which person a photo is about: the score over plain keypoints (no models), then the engine on photos of two
people made from tests/photos (needs the model files: `python -m posecraft.pose.models install`)."""
from __future__ import annotations

import numpy as np
import pytest
from geometry_people import STANDING, person
from support.people_photos import front_covering_rear, photo, three_quarter_with_passerby, whole_beside_cut_large

from posecraft.config import Settings
from posecraft.pose.engine import get_engine
from posecraft.pose.subject import Candidate, choose_subject, same_person, seen_share, subject_score

PHOTO = (1200, 2000)  # STANDING fits it head to feet, centred


def candidate(keypoints, detector_score=0.9, presence=1.0) -> Candidate:
    return Candidate(np.array(keypoints, dtype=float), detector_score, presence)


# --- the score, on hand-made keypoints --------------------------------------------------------------------


def test_seen_share_counts_the_keypoints_seen_inside_the_photo():
    assert seen_share(np.array(person()), PHOTO) == 1.0
    assert seen_share(np.array(person(hidden=range(11))), PHOTO) == pytest.approx(22 / 33)  # the face unseen
    below_the_knees = [i for i, (_, y) in STANDING.items() if y > 1250]  # ankles and feet: 8 of 33
    assert seen_share(np.array(person()), (1200, 1250)) == pytest.approx(1 - len(below_the_knees) / 33)


def test_a_whole_person_beats_a_larger_one_mostly_outside_the_photo():
    whole = candidate(person(scale=0.5, shift=(300, 500)))
    # Nearly three times as large, cut by the photo's right and bottom edges: its left arm and hip inside.
    cut = candidate(person(scale=1.4, shift=(400, -100)))
    assert seen_share(cut.keypoints, PHOTO) < 0.35
    choice = choose_subject([cut, whole], PHOTO)
    assert choice.index == 1 and not choice.ambiguous


def test_the_person_at_the_centre_beats_the_same_person_in_a_corner():
    centred = candidate(person(scale=0.4, shift=(360, 600)))
    cornered = candidate(person(scale=0.4, shift=(-150, 1150)))
    assert subject_score(centred, PHOTO) > subject_score(cornered, PHOTO)
    assert choose_subject([cornered, centred], PHOTO).index == 1


def test_a_passer_by_a_third_the_size_loses_to_a_three_quarter_shot():
    # The 3/4 shot: the photo ends below the knees, 8 keypoints out of it; the passer-by is seen head to feet.
    three_quarter = candidate(person(), detector_score=0.9)
    passer_by = candidate(person(scale=0.3, shift=(800, 700)), detector_score=0.95)
    choice = choose_subject([passer_by, three_quarter], (1200, 1250))
    assert choice.index == 1 and not choice.ambiguous


def test_two_people_alike_side_by_side_are_ambiguous_and_the_most_prominent_detection_is_kept():
    left = candidate(person(scale=0.5, shift=(50, 500)), detector_score=0.85)
    right = candidate(person(scale=0.52, shift=(550, 500)))  # a little larger, a higher detector score
    assert 0.85 * subject_score(right, PHOTO) < subject_score(left, PHOTO) < subject_score(right, PHOTO)
    choice = choose_subject([left, right], PHOTO)  # the detector's order: left first
    assert choice.ambiguous and choice.index == 0 and choice.repeats == 0


def test_one_person_found_twice_is_not_two_people():
    once = candidate(person(scale=0.5, shift=(300, 500)))
    again = candidate(person(scale=0.5, shift=(305, 510)), detector_score=0.8)
    assert same_person(once.keypoints, again.keypoints)
    choice = choose_subject([again, once], PHOTO)
    assert choice == choice.__class__(index=1, ambiguous=False, repeats=1)


def test_a_lone_candidate_is_the_subject():
    assert choose_subject([candidate(person())], PHOTO).index == 0
    with pytest.raises(ValueError, match="no candidates"):
        choose_subject([], PHOTO)


# --- the engine, on photos of two people ------------------------------------------------------------------


def inside(box, keypoints, image_size) -> list[bool]:
    """For each keypoint seen inside the photo: whether it lies inside `box`."""
    x0, y0, x1, y1 = box
    width, height = image_size
    return [
        x0 <= x <= x1 and y0 <= y <= y1
        for x, y, visibility in keypoints
        if visibility >= 0.5 and 0 <= x <= width and 0 <= y <= height
    ]


@pytest.mark.parametrize(
    "make", [whole_beside_cut_large, front_covering_rear, three_quarter_with_passerby], ids=lambda make: make.__name__
)
def test_the_subject_of_a_photo_of_two_people_is_chosen_not_the_detectors_first_pick(make):
    image, subject_box = make()
    result = get_engine(Settings.from_env({})).estimate(image)
    assert result.people >= 2
    seen = inside(subject_box, result.keypoints, image.size)
    assert len(seen) >= 20 and all(seen), f"{seen.count(False)} of {len(seen)} keypoints are not the subject's"
    assert not result.ambiguous


def test_two_whole_standing_men_of_the_bus_photo_are_ambiguous():
    assert get_engine(Settings.from_env({})).estimate(photo("bus.jpg")).ambiguous


def test_one_person_costs_one_landmark_run_and_is_not_ambiguous(monkeypatch):
    engine = get_engine(Settings.from_env({}))
    runs = []
    landmarks = engine.landmarks
    monkeypatch.setattr(engine, "landmarks", lambda *args: runs.append(1) or landmarks(*args))
    result = engine.estimate(photo("messi5.jpg"))
    assert result.people == 1 and not result.ambiguous
    assert len(runs) == 1
