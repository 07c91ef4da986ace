"""The person's mask: from the landmark model's crop to the photo's pixels, refined on the photo, and cut out.

Synthetic cases check the geometry and the refinement by numbers; the real photos are checked against mediapipe's
own masks (tests/photos/mediapipe_masks, made by scripts/mediapipe_masks.py). Needs the model files.
"""
from __future__ import annotations

import functools
import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from posecraft.config import Settings
from posecraft.imaging import mask
from posecraft.imaging.decode import decode_image
from posecraft.pipeline import analyze_photo
from posecraft.pose.engine import get_engine
from posecraft.pose.landmarks import INPUT_SIZE, PersonMask, Roi, decode_segmentation
from posecraft.records import OutputOptions

PHOTOS = Path(__file__).parents[1] / "photos"
MEDIAPIPE_MASKS = PHOTOS / "mediapipe_masks"
ALL_PHOTOS = ["bus.jpg", "basketball1.png", "messi5.jpg", "astronaut.png", "grace_hopper.jpg"]
WHITE = (255, 255, 255)


def square_mask(roi: Roi, inside: tuple[int, int] = (64, 192)) -> PersonMask:
    """The model's output for a person filling crop cells inside[0]..inside[1] in both directions (logit +-12)."""
    logits = np.full((1, INPUT_SIZE, INPUT_SIZE, 1), -12.0, np.float32)
    logits[0, inside[0]:inside[1], inside[0]:inside[1], 0] = 12.0
    return decode_segmentation(logits[0], roi)


def crop_coordinates(roi: Roi, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Image pixel centres -> crop cell coordinates, by inverting Roi.to_image (independently of PersonMask)."""
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    dx, dy = x + 0.5 - roi.centre_x, y + 0.5 - roi.centre_y
    u = (c * dx + s * dy) / roi.size + 0.5
    v = (-s * dx + c * dy) / roi.size + 0.5
    return u * INPUT_SIZE, v * INPUT_SIZE


def alpha_array(cut: mask.CutOut) -> np.ndarray:
    return np.asarray(cut.alpha, dtype=int)


def test_a_square_in_the_rotated_crop_lands_on_the_image_pixels_the_roi_maps_it_to():
    roi = Roi(centre_x=400.0, centre_y=300.0, size=512.0, rotation=math.radians(30))
    person = square_mask(roi)
    image = Image.new("RGB", (800, 600), (128, 128, 128))  # flat: the refinement has no edge to follow
    cut = mask.cut_out(image, person, (0, 0, 800, 600))
    alpha = alpha_array(cut)
    ys, xs = np.mgrid[0:600, 0:800]
    u, v = crop_coordinates(roi, xs, ys)
    inside = (u > 64 + 3) & (u < 192 - 3) & (v > 64 + 3) & (v < 192 - 3)  # 3 cells (6 px) from the square's edge
    outside = (u < 64 - 3) | (u > 192 + 3) | (v < 64 - 3) | (v > 192 + 3)
    assert inside.sum() > 50_000 and (alpha[inside] == 255).all()
    assert (alpha[outside] == 0).all()


def test_the_mask_scaled_to_a_larger_image_covers_the_same_part_of_the_photo():
    roi = Roi(centre_x=200.0, centre_y=150.0, size=256.0, rotation=math.radians(-20))
    small = square_mask(roi)
    big = small.scaled(4.0, 4.0)
    assert mask.person_box(big, (1600, 1200)) == pytest.approx(
        tuple(4 * value for value in mask.person_box(small, (400, 300))), abs=4
    )


@pytest.mark.parametrize("offset", [-2, 0, 2])
def test_the_refined_edge_follows_the_photo_not_the_mask_grid(offset):
    # A two-tone photo: a dark person left of x = 500, a light background right of it. The model's mask crosses 50 %
    # `offset` px from the photo's edge, soft over 4 cells (16 px): refined, the alpha steps down at the photo's edge.
    image = Image.new("RGB", (800, 600), (230, 230, 230))
    image.paste((40, 30, 30), (0, 0, 500, 600))
    roi = Roi(centre_x=400.0, centre_y=300.0, size=1024.0, rotation=0.0)  # 4 px per cell: x = 4 * (cell - 28)
    centre = (500 + offset) / 4 + 28 - 0.5
    logits = np.clip((centre - np.arange(INPUT_SIZE)) * 3.0, -8, 8).astype(np.float32)
    person = decode_segmentation(np.tile(logits[None, :, None], (INPUT_SIZE, 1, 1)), roi)
    cut = mask.cut_out(image, person, (0, 0, 800, 600))
    row = alpha_array(cut)[300]
    # The model's mask upsampled bilinearly (pixel centres: cell = (x + 0.5) / 4 + 28 - 0.5).
    coarse = 255 * np.interp((np.arange(800) + 0.5) / 4 + 27.5, np.arange(INPUT_SIZE), person.probabilities[128])
    assert np.abs(np.diff(coarse)).max() < 0.2 * 255  # the model's edge is soft...
    drops = -np.diff(row)
    assert int(np.argmax(drops)) == 499 and drops[499] > 0.35 * 255  # ...the refined one steps down at the photo's
    if offset >= 0:  # (a mask inside the person leaves its edge pixels part transparent: docs/VIEWS.md)
        assert 499 <= int(np.argmax(row < 128)) <= 501
    assert (row[:480] == 255).all() and (row[520:] == 0).all()


def test_a_blob_not_connected_to_the_person_is_dropped():
    logits = np.full((INPUT_SIZE, INPUT_SIZE, 1), -12.0, np.float32)
    logits[80:200, 100:160] = 12.0  # the person, over the crop's centre
    logits[20:40, 220:240] = 12.0  # a stray blob near the crop's corner
    roi = Roi(centre_x=128.0, centre_y=128.0, size=256.0, rotation=0.0)
    isolated = mask.isolate(decode_segmentation(logits, roi)).probabilities
    assert (isolated[100:180, 110:150] > 0.99).all()
    assert (isolated[20:40, 220:240] == 0).all()
    assert mask.person_box(mask.isolate(decode_segmentation(logits, roi)), (256, 256)) == (100, 80, 160, 200)


@functools.cache
def our_mask(name: str) -> np.ndarray:
    """Our alpha over the whole photo (bool at 50 %), as the pipeline makes it: the pose (and the mask) from the pose
    copy (bus.jpg's is half size), mapped to the full-size photo."""
    decoded = decode_image((PHOTOS / name).read_bytes(), max_pixels=50_000_000)
    result = get_engine(Settings.from_env({})).estimate(decoded.pose_image).scaled(*decoded.scale)
    image = decoded.image
    box = (0, 0, *image.size)
    cut = mask.cut_out(image, mask.isolate(result.mask), box)
    return alpha_array(cut) >= 128


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_the_mask_agrees_with_mediapipes_own_at_least_90_percent_iou(name):
    with Image.open(MEDIAPIPE_MASKS / f"{Path(name).stem}.png") as theirs_png:
        theirs = np.asarray(theirs_png) >= 128
    ours = our_mask(name)
    assert ours.shape == theirs.shape
    assert (ours & theirs).sum() / (ours | theirs).sum() >= 0.9


@functools.cache
def cut_views(name: str) -> dict:
    analysis = analyze_photo((PHOTOS / name).read_bytes(), Settings.from_env({}), output=OutputOptions(cutout=True))
    return {view.label: view for view in analysis.views}


def decoded(view) -> Image.Image:
    return Image.open(io.BytesIO(view.data))


@pytest.mark.parametrize("name", ["bus.jpg", "messi5.jpg", "grace_hopper.jpg"])
def test_on_white_is_pure_white_away_from_the_person_and_the_cut_out_transparent(name):
    views = cut_views(name)
    onwhite, cutout = views["onwhite"], views["cutout"]
    assert onwhite.box == cutout.box
    assert onwhite.content_type == "image/jpeg" and cutout.content_type == "image/png"
    rgba = decoded(cutout)
    assert rgba.mode == "RGBA" and rgba.size == (onwhite.width, onwhite.height)
    alpha = np.asarray(rgba.getchannel("A"))
    # Away from the person: 16 px (two JPEG blocks) from any pixel the cut-out does not leave fully transparent.
    near = np.asarray(Image.fromarray(((alpha > 0) * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(33))) > 0
    background = ~near
    assert background.mean() > 0.2, "the frame has background to check"
    pixels = np.asarray(decoded(onwhite).convert("RGB"))
    assert (pixels[background] == WHITE).all(), "pure 255, 255, 255 wherever the person is not"
    assert (alpha >= 250).mean() > 0.05, "and the person is there, opaque"


def test_on_white_frames_the_whole_person_a_photo_holds_even_without_feet():
    views = cut_views("grace_hopper.jpg")
    assert "length" not in views and "onwhite" in views  # head and shoulders: no length view, but on white
    onwhite = views["onwhite"]
    # Cut by the photo at the bottom and both sides: the frame ends there (no white past the cut body).
    x0, y0, x1, y1 = onwhite.box
    assert y1 == 600 and x0 >= -1 and x1 <= 513 and onwhite.width * 4 == onwhite.height * 3
