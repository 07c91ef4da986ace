"""The debug picture (`posecraft views --debug`): the skeleton, each view's box with its label, the skipped views."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from PIL import Image, ImageDraw, ImageFont

from posecraft.views import keypoints as kp
from posecraft.views.geometry import DEFAULT_MIN_VISIBILITY, SkippedView, ViewBox

BOX_COLOURS = {
    "neck": (230, 25, 75),
    "sleeve": (60, 180, 75),
    "zoom": (0, 130, 200),
    "waist": (245, 130, 48),
    "length": (145, 30, 180),
}
OTHER_BOX_COLOUR = (70, 240, 240)
BONE_COLOUR = (255, 225, 25)
FAINT_COLOUR = (160, 160, 160)  # keypoints the model is unsure of (below the views' visibility threshold)


def draw_overlay(
    image: Image.Image,
    keypoints: Sequence[Sequence[float]],
    plans: Iterable[ViewBox | SkippedView],
    min_visibility: float = DEFAULT_MIN_VISIBILITY,
) -> Image.Image:
    """A copy of `image` with the skeleton and the planned views drawn on it."""
    canvas = image.convert("RGB")  # a copy even when already RGB
    draw = ImageDraw.Draw(canvas)
    unit = max(2, round(max(canvas.size) / 400))  # line width that reads at any photo size
    font = ImageFont.load_default(size=max(12, unit * 7))

    for a, b in kp.CONNECTIONS:
        (xa, ya, va), (xb, yb, vb) = keypoints[a][:3], keypoints[b][:3]
        sure = min(va, vb) >= min_visibility
        draw.line([(xa, ya), (xb, yb)], fill=BONE_COLOUR if sure else FAINT_COLOUR, width=unit if sure else max(1, unit // 2))
    for x, y, visibility in (point[:3] for point in keypoints):
        r = unit * 1.5
        draw.ellipse([x - r, y - r, x + r, y + r], fill=BONE_COLOUR if visibility >= min_visibility else FAINT_COLOUR)

    skipped = []
    captions: list[tuple[float, float, float, float]] = []  # placed so far: a caption moves down past them
    for plan in plans:
        if isinstance(plan, SkippedView):
            skipped.append(f"{plan.title}: {plan.reason}")
            continue
        colour = BOX_COLOURS.get(plan.label, OTHER_BOX_COLOUR)
        draw.rectangle(plan.box, outline=colour, width=unit)
        caption = plan.title + (f" (to the {plan.reach})" if plan.reach else "")
        caption += (" (low resolution)" if plan.low_resolution else "") + (" (padded)" if plan.padded else "")
        x, y = max(plan.box[0], 0) + unit, max(plan.box[1], 0) + unit
        left, top, right, bottom = draw.textbbox((x, y), caption, font=font)
        while any(left < r and x0 < right and top < b and t < bottom for x0, t, r, b in captions):
            y += bottom - top + 3 * unit
            left, top, right, bottom = draw.textbbox((x, y), caption, font=font)
        captions.append((left - unit, top - unit, right + unit, bottom + unit))
        draw.rectangle([left - unit, top - unit, right + unit, bottom + unit], fill=colour)
        draw.text((x, y), caption, fill=(255, 255, 255), font=font)

    y = canvas.height - unit
    for line in reversed(skipped):
        left, top, right, bottom = draw.textbbox((unit * 2, y), line, font=font, anchor="ls")
        draw.rectangle([left - unit, top - unit, right + unit, bottom + unit], fill=(0, 0, 0))
        draw.text((unit * 2, y), line, fill=(255, 255, 255), font=font, anchor="ls")
        y = top - 2 * unit
    return canvas
