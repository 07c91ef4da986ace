"""A box's pixels: the one crop every view is cut with, white where a padded box reaches past the photo."""
from __future__ import annotations

from PIL import Image

from posecraft.views.geometry import Box

WHITE = (255, 255, 255)


def crop(image: Image.Image, box: Box) -> Image.Image:
    """The box's pixels (a new image); any part past the image's edge (a padded box) is white."""
    x0, y0, x1, y1 = box
    if x0 >= 0 and y0 >= 0 and x1 <= image.width and y1 <= image.height:
        return image.crop(box)
    canvas = Image.new("RGB", (x1 - x0, y1 - y0), WHITE)
    canvas.paste(image, (-x0, -y0))  # the part of the image inside the box, in one copy
    return canvas
