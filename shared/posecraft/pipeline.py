"""Photo bytes in, garment views out: decode -> pose -> plan views -> render (the person cut out with the mask on
this thread while the views of the photo encode on the pool). The one function the worker and the CLI both call, so
a photo gives the same views from either.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from PIL import Image

from posecraft.config import Settings
from posecraft.imaging import mask
from posecraft.imaging.decode import decode_image
from posecraft.pose.engine import Keypoint, get_engine
from posecraft.pose.landmarks import PersonMask
from posecraft.records import OutputOptions
from posecraft.views import presets
from posecraft.views.geometry import SkippedView, ViewBox, plan_views
from posecraft.views.overlay import draw_overlay
from posecraft.views.recipes import configured_recipes
from posecraft.views.render import RenderedView, render_views

CUTOUT_LABEL, CUTOUT_TITLE = "cutout", "Cut-out"
# Pillow returns an image's memory blocks (16 MB each) to the system when the image goes, so every crop of a 12 MP
# photo faulted in fresh pages: 33 ms a crop instead of 9 (measured). A process that cuts views keeps this many freed
# blocks for the next image (PILLOW_BLOCKS_MAX may ask for more).
FREED_BLOCKS_KEPT = 12
Image.core.set_blocks_max(max(Image.core.get_blocks_max(), FREED_BLOCKS_KEPT))


@dataclass(frozen=True)
class PhotoAnalysis:
    people: int  # persons found; the views are of the one the photo is about (pose.subject)
    keypoints: tuple[Keypoint, ...]  # 33 x (x, y, visibility) in full-image pixels
    image_size: tuple[int, int]  # full image, upright
    views: list[RenderedView]
    skipped: list[SkippedView]
    ambiguous: bool = False  # another person scored close to the one chosen: a person should check the views
    preset: str = "default"  # the output preset the views follow
    overlay: Image.Image | None = None  # skeleton and boxes drawn on the photo, when asked for
    # decode, pose, views and mask (the cut-out, made while the photo's views encode: part of the views' time)
    seconds: dict[str, float] = field(default_factory=dict, compare=False)


def analyze_photo(
    data: bytes, settings: Settings, *, overlay: bool = False, output: OutputOptions | None = None
) -> PhotoAnalysis:
    """`output`: the preset the views follow, the cut-out too, enlarging (presets.default_output when None).
    Raises ValueError (an unknown preset), InvalidImage / ImageTooLarge (the bytes), NoPersonFound,
    ModelsMissing."""
    output = output or presets.default_output(settings)
    chosen = presets.get_preset(output.preset, settings.presets_file)
    engine = get_engine(settings)
    seconds = {}
    started = time.perf_counter()
    decoded = decode_image(data, max_pixels=settings.max_image_pixels)
    seconds["decode"] = time.perf_counter() - started

    # The pose runs on the small copy while the full-size decode finishes on another thread.
    started = time.perf_counter()
    pose = engine.estimate(decoded.pose_image).scaled(*decoded.scale)
    seconds["pose"] = time.perf_counter() - started

    started = time.perf_counter()
    image = decoded.image
    seconds["decode"] += time.perf_counter() - started

    started = time.perf_counter()
    person = mask.isolate(pose.mask) if pose.mask is not None else None
    plans = _plan(pose.keypoints, image.size, person, chosen, settings.view_aspects, output.cutout)
    sizes = {plan.label: presets.output_size(chosen, (plan.width, plan.height), output.upscale) for plan in plans
             if isinstance(plan, ViewBox)}
    fills: dict[str, float] = {}
    seconds["mask"] = 0.0

    def cut_out() -> dict[str, Image.Image]:
        """The on-white and cut-out views' pixels, made while the views of the photo encode."""
        cut_started = time.perf_counter()
        prepared, measured = _cut_out(image, plans, person, measure_fill=chosen.min_fill is not None)
        fills.update(measured)
        seconds["mask"] = time.perf_counter() - cut_started
        return prepared

    views = render_views(
        image, plans, fmt=chosen.format or settings.view_format, quality=settings.view_quality, sizes=sizes,
        cut_out=cut_out,
    )
    views = [
        dataclasses.replace(view, flags=presets.flags(chosen, (view.width, view.height), image.size,
                                                      fills.get(view.label)))
        for view in views
    ]
    seconds["views"] = time.perf_counter() - started

    return PhotoAnalysis(
        people=pose.people,
        keypoints=pose.keypoints,
        image_size=image.size,
        views=views,
        skipped=[plan for plan in plans if isinstance(plan, SkippedView)],
        ambiguous=pose.ambiguous,
        preset=chosen.name,
        overlay=draw_overlay(image, pose.keypoints, plans) if overlay else None,
        seconds=seconds,
    )


def _plan(
    keypoints: tuple[Keypoint, ...], image_size: tuple[int, int], person: PersonMask | None, preset: presets.Preset,
    view_aspects: tuple[str, ...], cutout: bool,
) -> list[ViewBox | SkippedView]:
    """The views' boxes: the configured recipes in the preset's ratio, the whole-person ones framed by the mask."""
    extent = mask.person_box(person, image_size) if person is not None else None
    outline = [(extent[0], extent[1]), (extent[2], extent[3])] if extent else []
    plans = plan_views(keypoints, image_size, presets.apply_to_recipes(preset, configured_recipes(view_aspects)),
                       outline=outline)
    if cutout:
        plans.append(_cutout_of(plans))
    if person is None:  # no mask from the pose engine: nothing to cut out
        plans = [_without_mask(plan) for plan in plans]
    return plans


def _cut_out(
    image: Image.Image, plans: list[ViewBox | SkippedView], person: PersonMask | None, measure_fill: bool
) -> tuple[dict[str, Image.Image], dict[str, float]]:
    """The pixels of the views on white or on transparency, by label, and (if asked) how much of its frame's
    longer side the person spans in each."""
    cut = [plan for plan in plans if isinstance(plan, ViewBox) and plan.background != "photo"]
    if person is None or not cut:
        return {}, {}
    cut_outs = {plan.box: mask.cut_out(image, person, plan.box) for plan in cut}
    fills = {plan.label: cut_outs[plan.box].fill() for plan in cut} if measure_fill else {}
    # The cut-out on transparency first: whitening changes the pixels it is made from.
    prepared = {plan.label: cut_outs[plan.box].on_transparency() for plan in cut if plan.background == "transparent"}
    prepared |= {plan.label: cut_outs[plan.box].whiten() for plan in cut if plan.background == "white"}
    return prepared, fills


def _without_mask(plan: ViewBox | SkippedView) -> ViewBox | SkippedView:
    if isinstance(plan, ViewBox) and plan.background != "photo":
        return SkippedView(plan.label, plan.title, "needs the person's mask: the pose model gave none")
    return plan


def _cutout_of(plans: list[ViewBox | SkippedView]) -> ViewBox | SkippedView:
    """The cut-out: the on-white view's box on transparency (skipped with it, for the same reason)."""
    (onwhite,) = [plan for plan in plans if plan.label == "onwhite"]
    if isinstance(onwhite, SkippedView):
        return SkippedView(CUTOUT_LABEL, CUTOUT_TITLE, onwhite.reason)
    return dataclasses.replace(onwhite, label=CUTOUT_LABEL, title=CUTOUT_TITLE, background="transparent")

