"""Photo bytes in, garment views out: decode -> pose -> plan views -> render. The one function the worker and
the CLI both call, so a photo gives the same views from either.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from PIL import Image

from posecraft.config import Settings
from posecraft.imaging.decode import decode_image
from posecraft.pose.engine import Keypoint, get_engine
from posecraft.views.geometry import SkippedView, plan_views
from posecraft.views.overlay import draw_overlay
from posecraft.views.recipes import configured_recipes
from posecraft.views.render import RenderedView, render_views


@dataclass(frozen=True)
class PhotoAnalysis:
    people: int  # persons found; the views are of the one the photo is about (pose.subject)
    keypoints: tuple[Keypoint, ...]  # 33 x (x, y, visibility) in full-image pixels
    image_size: tuple[int, int]  # full image, upright
    views: list[RenderedView]
    skipped: list[SkippedView]
    ambiguous: bool = False  # another person scored close to the one chosen: a person should check the views
    overlay: Image.Image | None = None  # skeleton and boxes drawn on the photo, when asked for
    seconds: dict[str, float] = field(default_factory=dict, compare=False)  # decode, pose, views


def analyze_photo(data: bytes, settings: Settings, *, overlay: bool = False) -> PhotoAnalysis:
    """Raises InvalidImage / ImageTooLarge (the bytes), NoPersonFound, ModelsMissing."""
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
    plans = plan_views(pose.keypoints, image.size, configured_recipes(settings.view_aspects))
    views = render_views(image, plans, fmt=settings.view_format, quality=settings.view_quality)
    seconds["views"] = time.perf_counter() - started

    return PhotoAnalysis(
        people=pose.people,
        keypoints=pose.keypoints,
        image_size=image.size,
        views=views,
        skipped=[plan for plan in plans if isinstance(plan, SkippedView)],
        ambiguous=pose.ambiguous,
        overlay=draw_overlay(image, pose.keypoints, plans) if overlay else None,
        seconds=seconds,
    )

