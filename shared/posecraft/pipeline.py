"""Photo bytes in, garment views out: decode -> pose -> plan views -> person mask -> render. The one function the
worker and the CLI both call, so a photo gives the same views from either.
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
from posecraft.views import presets
from posecraft.views.geometry import SkippedView, ViewBox, plan_views
from posecraft.views.overlay import draw_overlay
from posecraft.views.recipes import configured_recipes
from posecraft.views.render import RenderedView, render_views

CUTOUT_LABEL, CUTOUT_TITLE = "cutout", "Cut-out"


@dataclass(frozen=True)
class PhotoAnalysis:
    people: int  # persons found; the views are of the most prominent one
    keypoints: tuple[Keypoint, ...]  # 33 x (x, y, visibility) in full-image pixels
    image_size: tuple[int, int]  # full image, upright
    views: list[RenderedView]
    skipped: list[SkippedView]
    preset: str = "default"  # the output preset the views follow
    overlay: Image.Image | None = None  # skeleton and boxes drawn on the photo, when asked for
    seconds: dict[str, float] = field(default_factory=dict, compare=False)  # decode, pose, mask, views


def analyze_photo(
    data: bytes, settings: Settings, *, overlay: bool = False, preset: str | None = None, cutout: bool | None = None
) -> PhotoAnalysis:
    """`preset`: an output preset's name (DEFAULT_PRESET when None); `cutout`: also the person on transparency
    (VIEW_CUTOUT when None). Raises ValueError (an unknown preset), InvalidImage / ImageTooLarge (the bytes),
    NoPersonFound, ModelsMissing."""
    chosen = presets.get_preset(preset or settings.default_preset, settings.presets_file)
    cutout = settings.view_cutout if cutout is None else cutout
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
    extent = mask.person_box(person, image.size) if person is not None else None
    outline = [(extent[0], extent[1]), (extent[2], extent[3])] if extent else []
    recipes = presets.apply_to_recipes(chosen, configured_recipes(settings.view_aspects))
    plans = plan_views(pose.keypoints, image.size, recipes, outline=outline)
    if cutout:
        plans.append(_cutout_of(plans))
    alphas = {}
    for i, plan in enumerate(plans):
        if isinstance(plan, ViewBox) and plan.background != "photo":
            if person is None:
                plans[i] = SkippedView(plan.label, plan.title, "needs the person's mask: the pose model gave none")
            elif plan.box not in alphas:
                alphas[plan.box] = mask.person_alpha(image, person, plan.box)
    seconds["mask"] = time.perf_counter() - started

    started = time.perf_counter()
    sized = {plan.label: presets.output_size(chosen, (plan.width, plan.height)) for plan in plans
             if isinstance(plan, ViewBox)}
    views = render_views(
        image, plans, fmt=chosen.format or settings.view_format, quality=settings.view_quality,
        sizes={label: size for label, (size, _) in sized.items()}, alphas=alphas,
    )
    views = [
        dataclasses.replace(view, flags=presets.flags(
            chosen, (view.width, view.height), image.size,
            _fill(alphas[view.box]) if view.box in alphas and chosen.min_fill else None,
        ))
        for view in views
    ]
    seconds["views"] = time.perf_counter() - started

    return PhotoAnalysis(
        people=pose.people,
        keypoints=pose.keypoints,
        image_size=image.size,
        views=views,
        skipped=[plan for plan in plans if isinstance(plan, SkippedView)],
        preset=chosen.name,
        overlay=draw_overlay(image, pose.keypoints, plans) if overlay else None,
        seconds=seconds,
    )


def _cutout_of(plans: list[ViewBox | SkippedView]) -> ViewBox | SkippedView:
    """The cut-out: the on-white view's box on transparency (skipped with it, for the same reason)."""
    (onwhite,) = [plan for plan in plans if plan.label == "onwhite"]
    if isinstance(onwhite, SkippedView):
        return SkippedView(CUTOUT_LABEL, CUTOUT_TITLE, onwhite.reason)
    return dataclasses.replace(onwhite, label=CUTOUT_LABEL, title=CUTOUT_TITLE, background="transparent")


def _fill(alpha: Image.Image) -> float:
    """How much of the frame's longer side the person (alpha >= 50 %) spans, 0..1."""
    extent = alpha.point(lambda value: 255 if value >= 128 else 0).getbbox()
    if extent is None:
        return 0.0
    if alpha.height >= alpha.width:
        return (extent[3] - extent[1]) / alpha.height
    return (extent[2] - extent[0]) / alpha.width
