"""What the view recipes measure with: the visible keypoints, the body's own axes and its size.

Margins are in torso lengths and directions in the body's frame ("below the shoulders" follows the body, not the
image), so the views come out the same for a small or a large photo, and for a person standing or lying down.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from posecraft.views import keypoints as kp

Point = tuple[float, float]

# Body proportions (adult, front view) used to estimate the torso length when the hips are out of the frame.
TORSO_PER_SHOULDER_WIDTH = 1.4
TORSO_PER_FACE_TO_SHOULDERS = 2.5
TORSO_PER_ARM_LENGTH = 0.8
# A torso seen end-on (bending towards the camera) is never taken as shorter than this many shoulder widths.
MIN_TORSO_PER_SHOULDER_WIDTH = 1.2


@dataclass(frozen=True)
class Body:
    points: dict[int, Point]  # visible keypoints only, in image pixels
    visibility: tuple[float, ...]  # all 33, as the pose model gave them
    up: Point  # unit vector from the hips towards the shoulders (image y grows downwards)
    torso: float | None  # shoulder centre to hip centre in px, measured or estimated; None if nothing to go by
    photo_size: tuple[int, int]  # width, height: the body may go on past the photo's edges
    outline: tuple[Point, ...] = ()  # corners of the person's extent from the mask, when there is one

    @property
    def across(self) -> Point:
        return (-self.up[1], self.up[0])

    def visible(self, *indices: int) -> bool:
        return all(i in self.points for i in indices)

    def centre(self, indices: Sequence[int]) -> Point | None:
        """The mean of the visible ones among `indices`."""
        found = [self.points[i] for i in indices if i in self.points]
        if not found:
            return None
        return (sum(p[0] for p in found) / len(found), sum(p[1] for p in found) / len(found))

    def middle(self, indices: Sequence[int]) -> Point:
        """`centre` of keypoints a recipe requires (its `needs` guarantee one is visible)."""
        found = self.centre(indices)
        if found is None:
            raise ValueError(f"none of the keypoints {tuple(indices)} is visible")
        return found

    def along(self, origin: Point, up: float = 0.0, across: float = 0.0) -> Point:
        """`origin` moved by `up` and `across` torso lengths in the body's frame (negative up = towards the feet)."""
        t = self.torso or 0.0
        return (
            origin[0] + (self.up[0] * up + self.across[0] * across) * t,
            origin[1] + (self.up[1] * up + self.across[1] * across) * t,
        )

    def room_below(self, origin: Point) -> float:
        """How far the photo reaches from `origin` towards the feet along the body's axis, in px (to its edge)."""
        room = math.inf
        for position, step, limit in zip(origin, (-self.up[0], -self.up[1]), self.photo_size, strict=True):
            if step > 0:
                room = min(room, (limit - position) / step)
            elif step < 0:
                room = min(room, -position / step)
        return max(room, 0.0)


def measure_body(
    keypoints: Sequence[Sequence[float]], image_size: tuple[int, int], min_visibility: float,
    outline: Sequence[Point] = (),
) -> Body:
    if len(keypoints) != kp.COUNT:
        raise ValueError(f"expected {kp.COUNT} keypoints (BlazePose), got {len(keypoints)}")
    width, height = image_size
    # A landmark a hair outside the frame (an ankle on the bottom edge) still counts, pulled onto the edge.
    slack_x, slack_y = 0.02 * width, 0.02 * height
    points: dict[int, Point] = {}
    for index, (x, y, visibility) in enumerate(keypoints):
        if visibility >= min_visibility and -slack_x <= x <= width + slack_x and -slack_y <= y <= height + slack_y:
            points[index] = (min(max(float(x), 0.0), width), min(max(float(y), 0.0), height))
    body = Body(
        points=points, visibility=tuple(float(k[2]) for k in keypoints), up=(0.0, -1.0), torso=None,
        photo_size=(width, height), outline=tuple(outline),
    )
    return replace(body, up=_up_vector(body), torso=_torso_length(body))


def _up_vector(body: Body) -> Point:
    shoulders, hips = body.centre(kp.SHOULDERS), body.centre(kp.HIPS)
    if shoulders and hips and _distance(shoulders, hips) > 0:
        return _unit((shoulders[0] - hips[0], shoulders[1] - hips[1]))
    face = body.centre(kp.MOUTH) or body.centre((kp.NOSE,))
    if shoulders and body.visible(*kp.SHOULDERS) and face:
        left, right = body.points[kp.LEFT_SHOULDER], body.points[kp.RIGHT_SHOULDER]
        normal = (-(right[1] - left[1]), right[0] - left[0])
        if normal != (0.0, 0.0):
            towards_face = (face[0] - shoulders[0]) * normal[0] + (face[1] - shoulders[1]) * normal[1]
            return _unit(normal if towards_face >= 0 else (-normal[0], -normal[1]))
    return (0.0, -1.0)


def _torso_length(body: Body) -> float | None:
    shoulders, hips = body.centre(kp.SHOULDERS), body.centre(kp.HIPS)
    shoulder_width = (
        _distance(body.points[kp.LEFT_SHOULDER], body.points[kp.RIGHT_SHOULDER]) if body.visible(*kp.SHOULDERS) else 0.0
    )
    if shoulders and hips:
        return max(_distance(shoulders, hips), MIN_TORSO_PER_SHOULDER_WIDTH * shoulder_width) or None
    estimates = [TORSO_PER_SHOULDER_WIDTH * shoulder_width]
    face = body.centre(kp.MOUTH) or body.centre((kp.NOSE,))
    if face and shoulders:
        estimates.append(TORSO_PER_FACE_TO_SHOULDERS * _distance(face, shoulders))
    for arm in (kp.LEFT_ARM, kp.RIGHT_ARM):
        if body.visible(*arm):
            s, e, w = (body.points[i] for i in arm)
            estimates.append(TORSO_PER_ARM_LENGTH * (_distance(s, e) + _distance(e, w)))
    return max(estimates) or None


def _distance(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _unit(v: Point) -> Point:
    n = math.hypot(*v)
    return (v[0] / n, v[1] / n)
