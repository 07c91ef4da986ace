"""The garment views, each a named recipe over BlazePose keypoints (docs/VIEWS.md says the same in words).

A recipe names the keypoints it cannot do without, the region the view must show (points built from keypoints,
offsets in torso lengths along the body's own axes), a margin around that region (in torso lengths) and the
aspect ratio of the view (portrait ratios turn landscape for a region wider than tall). `posecraft.views.geometry`
turns a recipe into a box.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from posecraft.views import keypoints as kp
from posecraft.views.body import Body, Point


@dataclass(frozen=True)
class Requirement:
    what: str  # as the skip reason names it: "needs <what>: not visible"
    alternatives: tuple[tuple[int, ...], ...]  # met when every keypoint of one alternative is visible

    def met_by(self, body: Body) -> bool:
        return any(body.visible(*indices) for indices in self.alternatives)


@dataclass(frozen=True)
class ViewRecipe:
    label: str
    title: str
    requires: tuple[Requirement, ...]
    region: Callable[[Body], tuple[Point, ...]]  # the points the view must show
    margin: float  # around the region, in torso lengths
    # width:height of a region taller than wide; turned for a wider one (a person lying down, a kick, an arm held out).
    aspect: tuple[int, int]
    # Where growing to the ratio adds room along the body: both ends alike, or all of it towards the feet (more
    # garment, less face).
    grow_towards_feet: bool = False
    # Points the view also shows when the photo holds them without padding (the rest of a body its edge cuts).
    extension: Callable[[Body], tuple[Point, ...]] | None = None
    # How far down the body the view reaches, in a word ("feet", "knees", ...), for those who sort the views.
    reach: Callable[[Body], str] | None = None
    # False: the ratio holds for a wide region too (a preset's marketplace frame is portrait or square for every view).
    turns: bool = True
    # What is behind the person: the photo, or (from the person's mask) white or transparent.
    background: str = "photo"
    # The region is the person's whole extent: where it meets the photo's edge the photo cuts the person, so no
    # margin or white goes there (geometry.fit_box).
    cut_at_photo_edge: bool = False


A_SHOULDER = Requirement("a shoulder", ((kp.LEFT_SHOULDER,), (kp.RIGHT_SHOULDER,)))
BOTH_SHOULDERS = Requirement("both shoulders", (kp.SHOULDERS,))
THE_MOUTH = Requirement("the mouth", ((kp.MOUTH[0],), (kp.MOUTH[1],)))
ONE_ARM = Requirement("the shoulder and elbow of one arm", (kp.LEFT_ARM[:2], kp.RIGHT_ARM[:2]))
THE_HIPS = Requirement("the hips", ((kp.HIPS[0],), (kp.HIPS[1],)))

# Hip joints to the soles, in torso lengths (adult): an edge closer than this below the hips cuts the legs.
LEG_LENGTH = 1.8
# Photo below the hip joints, in torso lengths, from which a length view shows the thighs rather than the hips.
THIGHS_SHOWN = 0.25


def _visible(body: Body, indices: Iterable[int]) -> list[Point]:
    return [body.points[i] for i in indices if i in body.points]


def neck_region(body: Body) -> tuple[Point, ...]:
    """The neckline and collar: from the mouth to below the shoulder line, shoulder to shoulder and a little past
    (the shoulder seams). The margin is small so that little of the face above the mouth is shown."""
    below_collar = body.along(body.middle(kp.SHOULDERS), up=-0.3)
    seams = [body.along(p, across=side * 0.1) for p in _visible(body, kp.SHOULDERS) for side in (-1, 1)]
    return (*_visible(body, kp.MOUTH), *seams, below_collar)


def sleeve_region(body: Body) -> tuple[Point, ...]:
    """The better-visible arm, shoulder to elbow and on to the wrist when the wrist is seen (a short sleeve ends at
    the elbow). Ties go to the longer arm in the picture: it faces the camera."""
    arms = [arm for arm in (kp.LEFT_ARM, kp.RIGHT_ARM) if body.visible(*arm[:2])]

    def clarity(arm: tuple[int, ...]) -> tuple[float, float]:
        shown = sum(body.visibility[i] for i in arm) / len(arm)
        points = _visible(body, arm)
        return (round(shown, 1), sum(math.dist(a, b) for a, b in itertools.pairwise(points)))

    best = max(arms, key=clarity)
    return tuple(_visible(body, best))


def zoom_region(body: Body) -> tuple[Point, ...]:
    """The garment's upper body: the collar down to just below the hips."""
    shoulders, hips = body.middle(kp.SHOULDERS), body.middle(kp.HIPS)
    return (
        *_visible(body, kp.SHOULDERS),
        *_visible(body, kp.HIPS),
        body.along(shoulders, up=0.2),
        body.along(hips, up=-0.1),
    )


def waist_region(body: Body) -> tuple[Point, ...]:
    """The waistline (above the hip joints) and the hips, the body's width either side."""
    hips = body.middle(kp.HIPS)
    return (
        *_visible(body, kp.HIPS),
        body.along(hips, up=0.4),
        body.along(hips, up=-0.15),
        body.along(hips, across=0.35),
        body.along(hips, across=-0.35),
    )


def length_region(body: Body) -> tuple[Point, ...]:
    """The whole person the photo holds: every visible keypoint and the crown (cut by the top edge, if the photo cuts
    the head)."""
    points = list(body.points.values())
    head = body.centre((kp.NOSE,)) or body.centre(kp.MOUTH)
    if head:
        points.append(body.along(head, up=0.3))  # the crown is about this far above the nose
    return tuple(points)


def legs_past_the_edge(body: Body) -> tuple[Point, ...]:
    """Where the photo's edge cuts the legs, below the hips, when the feet are not seen because the photo ends
    before them (a 3/4 shot): the length view goes on down to that edge. Nothing when the feet are seen, or when the
    edge lies past where the feet would be (they are hidden, not cut)."""
    if any(i in body.points for i in kp.FEET):
        return ()
    hips = body.middle(kp.HIPS)
    room = body.room_below(hips)
    torso = body.torso or 0.0
    if torso == 0.0 or room > LEG_LENGTH * torso:
        return ()
    return (body.along(hips, up=-room / torso),)


def length_reach(body: Body) -> str:
    """The lowest part of the body the length view shows: feet, knees, thighs (the photo goes on below the hips,
    a 3/4 shot cut at the thigh) or hips."""
    if any(i in body.points for i in kp.FEET):
        return "feet"
    if any(i in body.points for i in kp.KNEES):
        return "knees"
    if body.room_below(body.middle(kp.HIPS)) >= THIGHS_SHOWN * (body.torso or 0.0):
        return "thighs"
    return "hips"


def person_region(body: Body) -> tuple[Point, ...]:
    """The whole person the photo holds: the length view's region and the extent of the person's mask (hair, a wide
    skirt, the legs down to where the photo cuts them)."""
    return (*length_region(body), *body.outline)


DEFAULT_RECIPES: tuple[ViewRecipe, ...] = (
    ViewRecipe(
        "neck", "Neck View", (THE_MOUTH, BOTH_SHOULDERS), neck_region, margin=0.05, aspect=(1, 1), grow_towards_feet=True
    ),
    ViewRecipe("sleeve", "Sleeve View", (ONE_ARM,), sleeve_region, margin=0.2, aspect=(3, 4)),
    ViewRecipe("zoom", "Zoomed View", (A_SHOULDER, THE_HIPS), zoom_region, margin=0.15, aspect=(3, 4)),
    ViewRecipe("waist", "Waist View", (A_SHOULDER, THE_HIPS), waist_region, margin=0.15, aspect=(1, 1)),
    ViewRecipe(
        "length", "Length View", (A_SHOULDER, THE_HIPS), length_region, margin=0.1, aspect=(3, 4),
        extension=legs_past_the_edge, reach=length_reach,
    ),
)
# The whole person on pure white, framed as the length view (and by the mask's extent), for marketplaces.
ON_WHITE = ViewRecipe(
    "onwhite", "On White", (A_SHOULDER,), person_region, margin=0.1, aspect=(3, 4), background="white",
    cut_at_photo_edge=True,
)


def parse_aspect(text: str) -> tuple[int, int]:
    """'3:4' -> (3, 4)."""
    try:
        width, height = (int(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"aspect ratio {text!r} is not WIDTH:HEIGHT in whole numbers, e.g. 3:4") from None
    if width <= 0 or height <= 0:
        raise ValueError(f"aspect ratio {text!r} needs two positive numbers, e.g. 3:4")
    divisor = math.gcd(width, height)
    return (width // divisor, height // divisor)


@lru_cache(maxsize=8)
def configured_recipes(view_aspects: tuple[str, ...] = ()) -> tuple[ViewRecipe, ...]:
    """The views the pipeline makes, DEFAULT_RECIPES and ON_WHITE, with the VIEW_ASPECTS setting applied:
    ("neck=3:4", "onwhite=1:1")."""
    aspects = {}
    for item in view_aspects:
        label, sep, ratio = item.partition("=")
        if not sep:
            raise ValueError(f"VIEW_ASPECTS item {item!r} is not VIEW=WIDTH:HEIGHT, e.g. neck=3:4")
        aspects[label.strip()] = ratio.strip()
    return with_aspects((*DEFAULT_RECIPES, ON_WHITE), aspects)


def with_aspects(recipes: tuple[ViewRecipe, ...], aspects: Mapping[str, str]) -> tuple[ViewRecipe, ...]:
    """The recipes with some aspect ratios changed, e.g. {"neck": "3:4"}."""
    labels = {recipe.label for recipe in recipes}
    unknown = sorted(set(aspects) - labels)
    if unknown:
        raise ValueError(f"no view named {', '.join(unknown)} (views: {', '.join(sorted(labels))})")
    return tuple(
        dataclasses.replace(recipe, aspect=parse_aspect(aspects[recipe.label])) if recipe.label in aspects else recipe
        for recipe in recipes
    )
