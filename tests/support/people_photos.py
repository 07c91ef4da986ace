"""Test photos made from the real photos in tests/photos: 3/4 shots cut from full-body ones, and photos of two
people where the subject is clear. Each maker returns the photo and, for two people, the subject's box in it
(x0, y0, x1, y1): the views must be built on keypoints inside it.
"""
from __future__ import annotations

import io

from PIL import Image, ImageFilter

from support.images import PHOTOS

STUDIO_GREY = (200, 200, 200)
# The two standing men of bus.jpg, head to feet.
BLACK_COAT = (215, 395, 350, 875)
BEIGE_COAT = (40, 390, 250, 905)

Box = tuple[int, int, int, int]


def photo(name: str) -> Image.Image:
    with Image.open(PHOTOS / name) as im:
        return im.convert("RGB")


def jpeg(image: Image.Image) -> bytes:
    data = io.BytesIO()
    image.save(data, "JPEG", quality=92)
    return data.getvalue()


def three_quarter(name: str, box: Box, scale: int = 3) -> Image.Image:
    """A crop of a full-body photo cut above the knees, enlarged as a catalogue photo would be."""
    cut = photo(name).crop(box)
    return cut.resize((cut.width * scale, cut.height * scale), Image.Resampling.LANCZOS)


def whole_beside_cut_large() -> tuple[Image.Image, Box]:
    """The man in the black coat, head to feet, beside a larger, blurred half-person (astronaut.png) cut by the
    photo's right and bottom edges: the detector's first pick is the large one."""
    canvas = Image.new("RGB", (1000, 1100), STUDIO_GREY)
    subject = photo("bus.jpg").crop(BLACK_COAT).resize((202, 720), Image.Resampling.LANCZOS)
    canvas.paste(subject, (280, 250))
    large = photo("astronaut.png").resize((820, 820), Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(4))
    canvas.paste(large, (640, 280))
    return canvas, (280, 250, 482, 970)


def front_covering_rear() -> tuple[Image.Image, Box]:
    """bus.jpg with the man in the black coat stepped forward (1.2 times as large) in front of the man in the
    beige coat, covering his side: the detector's first pick is the man behind."""
    canvas = photo("bus.jpg")
    front = canvas.crop(BLACK_COAT).resize((162, 576), Image.Resampling.LANCZOS)
    canvas.paste(front, (200, 380))
    return canvas, (200, 380, 362, 956)


def three_quarter_with_passerby() -> tuple[Image.Image, Box]:
    """A 3/4 shot (the man in the black coat cut at the thigh, filling the frame's height) with a passer-by seen
    head to feet at the side."""
    canvas = Image.new("RGB", (1024, 1024), STUDIO_GREY)
    bus = photo("bus.jpg")
    canvas.paste(bus.crop((205, 395, 360, 690)).resize((538, 1024), Image.Resampling.LANCZOS), (150, 0))
    canvas.paste(bus.crop(BEIGE_COAT).resize((157, 386), Image.Resampling.LANCZOS), (800, 560))
    return canvas, (150, 0, 688, 1024)
