"""Which person a photo is about, once the landmark model has looked at each candidate: pure functions over the
candidates' keypoints (docs/POSE.md, "The subject", has the measurements behind the weights).

A candidate's score is the product of five factors, each measured from what the landmark model found:
how much of the body is seen, its size, the detector's score, the landmark model's presence, and a weight for
nearness to the photo's centre. A product, so that one bad factor sinks a candidate: a large person cut by the
frame's edge is mostly unseen, a mix of two bodies is seen poorly or has a low presence, a passer-by is small.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecraft.pose.landmarks import PersonMask

MIN_VISIBILITY = 0.5  # as the views count a keypoint as seen
SHOULDERS, HIPS = (11, 12), (23, 24)
# A person at the photo's corner keeps 40 % of the score of the same person at its centre.
CENTRE_WEIGHT = 0.6
# A runner-up within this share of the best score: the photo may be about either person.
AMBIGUOUS_WITHIN = 0.15
# Two candidates whose keypoints lie this close (median, in torso lengths) are the same person found twice.
SAME_PERSON = 0.5


@dataclass(frozen=True)
class Candidate:
    keypoints: np.ndarray  # 33 x (x, y, visibility) in image pixels
    detector_score: float
    presence: float  # the landmark model's confidence that its crop holds a person
    mask: PersonMask | None = None  # its segmentation, in the landmark crop's frame


@dataclass(frozen=True)
class Choice:
    index: int  # of the subject among the candidates
    ambiguous: bool  # another person scores within AMBIGUOUS_WITHIN of the best
    repeats: int  # candidates that were a better one found again (not other people)


def _torso(keypoints: np.ndarray) -> tuple[np.ndarray, float]:
    """The torso's centre and length (shoulder centre to hip centre), from the model's keypoints seen or not."""
    shoulders, hips = keypoints[list(SHOULDERS), :2].mean(axis=0), keypoints[list(HIPS), :2].mean(axis=0)
    return (shoulders + hips) / 2, float(np.hypot(*(shoulders - hips)))


def seen_share(keypoints: np.ndarray, image_size: tuple[int, int]) -> float:
    """The share of the 33 keypoints the model sees (visibility >= 0.5) inside the photo."""
    width, height = image_size
    x, y, visibility = keypoints[:, 0], keypoints[:, 1], keypoints[:, 2]
    seen = (visibility >= MIN_VISIBILITY) & (x >= 0) & (x <= width) & (y >= 0) & (y <= height)
    return float(seen.mean())


def subject_score(candidate: Candidate, image_size: tuple[int, int]) -> float:
    """seen share x torso length (per half diagonal of the photo) x detector score x presence x centre weight."""
    width, height = image_size
    half_diagonal = math.hypot(width, height) / 2
    centre, torso = _torso(candidate.keypoints)
    off_centre = math.hypot(centre[0] - width / 2, centre[1] - height / 2) / half_diagonal
    return (
        seen_share(candidate.keypoints, image_size)
        * torso / half_diagonal
        * candidate.detector_score
        * candidate.presence
        * (1.0 - CENTRE_WEIGHT * min(off_centre, 1.0))
    )


def same_person(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two sets of keypoints are one person's: the keypoints both see lie within SAME_PERSON torso lengths
    of each other (median)."""
    both = (a[:, 2] >= MIN_VISIBILITY) & (b[:, 2] >= MIN_VISIBILITY)
    if not both.any():
        return False
    torso = max(_torso(a)[1], _torso(b)[1], 1e-6)
    return float(np.median(np.hypot(*(a[both, :2] - b[both, :2]).T))) < SAME_PERSON * torso


def choose_subject(candidates: Sequence[Candidate], image_size: tuple[int, int]) -> Choice:
    """The best-scoring candidate, of `candidates` given most prominent detection first.

    Other people scoring within AMBIGUOUS_WITHIN of the best make the choice ambiguous: the landmarks do not tell
    them apart, so the most prominent detection among them is kept (the detector's own pick, stable when the photo
    is resized, where the scores of near-equals can swap). A candidate that is a better-scoring one found again
    counts as neither.
    """
    if not candidates:
        raise ValueError("no candidates to choose from")
    if len(candidates) == 1:
        return Choice(0, ambiguous=False, repeats=0)
    scores = [subject_score(candidate, image_size) for candidate in candidates]
    people: list[int] = []  # one index per person, the best-scoring one of those found more than once
    for i in sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True):
        if not any(same_person(candidates[i].keypoints, candidates[j].keypoints) for j in people):
            people.append(i)
    close = [i for i in people if scores[i] >= (1.0 - AMBIGUOUS_WITHIN) * scores[people[0]]]
    return Choice(min(close), ambiguous=len(close) > 1, repeats=len(candidates) - len(people))
