"""Where each garment view is cut: pure functions from keypoints and an image size to boxes.

Rules, in order: a view whose keypoints are not visible is skipped with a reason (never guessed); the region the
recipe names, plus its margin, is grown to the aspect ratio (never stretched); the box is shifted into the image,
then shrunk (keeping the ratio) if it is larger than the image, as long as it still holds the region itself; only
when the image is too small to hold the region at that ratio does the box reach past the image (`padded`, still
with the whole margin: the render fills that part with white). A recipe's extension (the length view's legs cut
by the photo's edge) is shown when the photo holds it without padding; otherwise the view is the largest box the
photo holds around the region, reaching towards the feet. A view smaller than `min_side` is flagged
low-resolution. For a recipe framed by the person's mask, a side of the region on the photo's edge is where the
photo cuts the person: no margin there, and a padded box stays flush with it (the white goes on the other sides).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from posecraft.views.body import Body, Point, measure_body
from posecraft.views.recipes import DEFAULT_RECIPES, ViewRecipe

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in full-image pixels, x1/y1 exclusive
Sides = tuple[bool, bool, bool, bool]  # left, top, right, bottom

DEFAULT_MIN_VISIBILITY = 0.5
# Below this many pixels on the short side a view is too small for a catalogue page.
DEFAULT_MIN_SIDE = 256


@dataclass(frozen=True)
class ViewBox:
    label: str
    title: str
    box: Box
    low_resolution: bool
    padded: bool = False  # the box reaches past the image: the image is too small for the view at its ratio
    reach: str | None = None  # the length view: how far down the body it goes ("feet", "knees", "thighs", "hips")
    background: str = "photo"  # "white" or "transparent": the render cuts the person out with the mask

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class SkippedView:
    label: str
    title: str
    reason: str


def plan_views(
    keypoints: Sequence[Sequence[float]],
    image_size: tuple[int, int],
    recipes: Sequence[ViewRecipe] = DEFAULT_RECIPES,
    *,
    min_visibility: float = DEFAULT_MIN_VISIBILITY,
    min_side: int = DEFAULT_MIN_SIDE,
    outline: Sequence[Point] = (),
) -> list[ViewBox | SkippedView]:
    """One ViewBox or SkippedView per recipe, in the recipes' order.

    `keypoints`: 33 × (x, y, visibility) in pixels of the image of `image_size` (width, height); `outline`: corners
    of the person's extent from the mask, for the recipes that frame the whole person.
    """
    body = measure_body(keypoints, image_size, min_visibility, outline)
    return [_plan_view(recipe, body, image_size, min_side) for recipe in recipes]


def _plan_view(recipe: ViewRecipe, body: Body, image_size: tuple[int, int], min_side: int) -> ViewBox | SkippedView:
    missing = [requirement.what for requirement in recipe.requires if not requirement.met_by(body)]
    if missing:
        return SkippedView(recipe.label, recipe.title, f"needs {' and '.join(missing)}: not visible")
    if body.torso is None:
        return SkippedView(recipe.label, recipe.title, "needs the hips or both shoulders to measure the body: not visible")
    region = recipe.region(body)
    extended = (*region, *recipe.extension(body)) if recipe.extension else region
    box, padded = _frame(recipe, body, extended, image_size, recipe.grow_towards_feet)
    if padded and extended != region:
        # The photo cannot hold the body down to its edge at this ratio (a 3/4 shot in a narrow photo): rather than
        # pad, the largest view the photo holds, with the region and its margin, reaching towards the feet.
        box, padded = _frame(recipe, body, region, image_size, towards_feet=True, fill=True)
    low_resolution = min(box[2] - box[0], box[3] - box[1]) < min_side
    reach = recipe.reach(body) if recipe.reach else None
    return ViewBox(recipe.label, recipe.title, box, low_resolution, padded, reach, recipe.background)


def _frame(
    recipe: ViewRecipe,
    body: Body,
    points: Sequence[Point],
    image_size: tuple[int, int],
    towards_feet: bool,
    fill: bool = False,
) -> tuple[Box, bool]:
    """fit_box for the region the points span, with the recipe's margin and ratio (turned for a wide region, when
    the recipe lets it turn)."""
    region = _bounds(points, image_size)
    margin = recipe.margin * (body.torso or 0.0)
    tall = region[3] - region[1] >= region[2] - region[0]
    aspect = recipe.aspect if tall or not recipe.turns else recipe.aspect[::-1]
    cut = _sides_on_edge(region, image_size) if recipe.cut_at_photo_edge else (False, False, False, False)
    towards = _feet_side(body.up) if towards_feet else _away_from(cut)

    def fit(ratio: tuple[int, int]) -> tuple[Box, bool]:
        if recipe.background != "photo":
            # Past the photo's edge is white (or transparent) like the cut-out background: the box stays centred on
            # the person instead of shifting into the photo, and that is no padding anyone would see.
            return _centred_box(region, margin, ratio, towards, cut), False
        return fit_box(region, margin, ratio, image_size, towards, cut, fill)

    box, padded = fit(aspect)
    slack = max(aspect) - 1  # the rounding to whole units of the ratio
    if recipe.turns and _white_beside_a_cut(box, cut, image_size, slack):
        # Turned the other way, the white may go where the photo does not cut the person (a portrait cut at both
        # shoulders: 3:4 with white above the head, not 4:3 with white beside the shoulders).
        other, other_padded = fit(aspect[::-1])
        if not _white_beside_a_cut(other, cut, image_size, slack):
            box, padded = other, other_padded
    return box, padded


def fit_box(
    region: tuple[int, int, int, int],
    margin: float,
    aspect: tuple[int, int],
    image_size: tuple[int, int],
    towards: tuple[int, int] = (0, 0),
    cut: Sides = (False, False, False, False),
    fill: bool = False,
) -> tuple[Box, bool]:
    """The box for a region: (x0, y0, x1, y1) with width:height exactly `aspect`, and whether it is padded.

    Grows region+margin to the ratio around its centre (or, along an axis where `towards` is -1 or +1, all to
    that side) and shifts it into the image; with `fill`, it grows on to the largest box of the ratio that the
    image holds (as much of the photo around the region as the ratio allows). If that is larger than the image, the largest box of the ratio that
    fits, placed on the region; if even that cannot hold the region, the smallest box of the ratio that holds the
    region and its whole margin with the white shared equally on both sides, along an axis where it is larger than
    the image (padded). `cut`: sides of the region where the photo cuts the person: no margin there, and a padded
    box is flush with them.
    """
    width, height = image_size
    aw, ah = aspect
    x0, y0, x1, y1 = region
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    mx0, my0, mx1, my1 = _with_margin(region, margin, cut)
    wanted = _units_holding((mx0, my0, mx1, my1), aspect)
    largest = min(width // aw, height // ah)
    if wanted <= largest:
        units = largest if fill else wanted
        box_w, box_h = units * aw, units * ah
        left = _grown_start(mx0, box_w - (mx1 - mx0), towards[0])
        top = _grown_start(my0, box_h - (my1 - my0), towards[1])
        left, top = min(max(left, 0), width - box_w), min(max(top, 0), height - box_h)
        return (left, top, left + box_w, top + box_h), False
    if largest >= 1:
        box = _place(largest, aspect, centre, image_size)
        if box[0] <= x0 and box[1] <= y0 and x1 <= box[2] and y1 <= box[3]:
            return box, False
    # Padded: the image is too small, so the box keeps the margin rather than hold the region edge to edge.
    framed = (mx0, my0, mx1, my1)
    flush = (_away_from(cut)[0] * -1, _away_from(cut)[1] * -1)
    units = _padded_units(framed, wanted, aspect, image_size, flush)
    return _place(units, aspect, ((mx0 + mx1) / 2, (my0 + my1) / 2), image_size, flush), True


def _with_margin(region: Box, margin: float, cut: Sides) -> Box:
    """Region plus margin (none on the sides the photo cuts) in whole pixels, rounded outwards: the margin is never
    lost to rounding."""
    left, top, right, bottom = (0.0 if side else margin for side in cut)
    return (math.floor(region[0] - left), math.floor(region[1] - top),
            math.ceil(region[2] + right), math.ceil(region[3] + bottom))


def _units_holding(framed: Box, aspect: tuple[int, int]) -> int:
    """The fewest units of the ratio whose box holds `framed`."""
    return max(1, -(-(framed[2] - framed[0]) // aspect[0]), -(-(framed[3] - framed[1]) // aspect[1]))


def _centred_box(region: Box, margin: float, aspect: tuple[int, int], towards: tuple[int, int], cut: Sides) -> Box:
    """The smallest box of the ratio holding region + margin, grown around it (or along an axis where `towards` is
    -1 or +1, all to that side), wherever that puts it relative to the photo."""
    framed = _with_margin(region, margin, cut)
    units = _units_holding(framed, aspect)
    box_w, box_h = units * aspect[0], units * aspect[1]
    left = _grown_start(framed[0], box_w - (framed[2] - framed[0]), towards[0])
    top = _grown_start(framed[1], box_h - (framed[3] - framed[1]), towards[1])
    return (left, top, left + box_w, top + box_h)


def _padded_units(
    framed: Box, units: int, aspect: tuple[int, int], image_size: tuple[int, int], flush: tuple[int, int]
) -> int:
    """The fewest units (at least `units`) for a box that holds `framed` when it is centred on the image along
    each axis where it is larger than the image (or flush with its start, -1, or end, +1): where the region is off
    the image's centre, the band on its far side grows to match the near one."""
    axes = (
        (framed[0], framed[2], aspect[0], image_size[0], flush[0]),
        (framed[1], framed[3], aspect[1], image_size[1], flush[1]),
    )
    for _ in range(2):  # growing along one axis can take the box past the image along the other: check again
        for start, end, unit, limit, side in axes:
            if units * unit > limit:
                needed = {0: max(limit - 2 * start, 2 * end - limit), -1: end, 1: limit - start}[side]
                units = max(units, -(-needed // unit))
    return units


def _grown_start(start: int, room: int, towards: int) -> int:
    """Where a side starts once `room` px are added: half each side, or all after (+1) or before (-1) it."""
    return start - {0: room // 2, 1: 0, -1: room}[towards]


def _feet_side(up: Point) -> tuple[int, int]:
    """Which way the feet are along the image axis closest to the body's: (0, 1) for a person standing upright."""
    if abs(up[1]) >= abs(up[0]):
        return (0, 1 if up[1] < 0 else -1)
    return (1 if up[0] < 0 else -1, 0)


def _place(
    units: int, aspect: tuple[int, int], centre: Point, image_size: tuple[int, int], flush: tuple[int, int] = (0, 0)
) -> Box:
    """A box of units*aspect centred on `centre`, shifted into the image along each axis where it fits, and
    centred on the image along an axis where it does not (the padding is shared by both sides), or flush with the
    image's start (-1) or end (+1) there."""
    box_w, box_h = units * aspect[0], units * aspect[1]
    x0 = _start(centre[0], box_w, image_size[0], flush[0])
    y0 = _start(centre[1], box_h, image_size[1], flush[1])
    return (x0, y0, x0 + box_w, y0 + box_h)


def _start(centre: float, size: int, limit: int, flush: int = 0) -> int:
    if size > limit:
        return {0: (limit - size) // 2, -1: 0, 1: limit - size}[flush]
    return min(max(round(centre - size / 2), 0), limit - size)


def _sides_on_edge(region: Box, image_size: tuple[int, int]) -> Sides:
    return (region[0] <= 0, region[1] <= 0, region[2] >= image_size[0], region[3] >= image_size[1])


def _white_beside_a_cut(box: Box, cut: Sides, image_size: tuple[int, int], slack: int) -> bool:
    """Whether the box reaches more than `slack` px past the photo's edge on a side where the photo cuts the
    person."""
    width, height = image_size
    past = (-box[0], -box[1], box[2] - width, box[3] - height)
    return any(side and reach > slack for side, reach in zip(cut, past, strict=True))


def _away_from(cut: Sides) -> tuple[int, int]:
    """Per axis, where growing adds room: before (-1) a cut end side, after (+1) a cut start side, else both."""
    return (int(cut[0]) - int(cut[2]), int(cut[1]) - int(cut[3]))


def _bounds(points: Sequence[Point], image_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The whole pixels that hold the points, within the image: nothing past its edge can be shown anyway."""
    width, height = image_size
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (
        max(math.floor(min(xs)), 0),
        max(math.floor(min(ys)), 0),
        min(math.ceil(max(xs)), width),
        min(math.ceil(max(ys)), height),
    )
