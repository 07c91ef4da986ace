"""The person's alpha for a box of the photo: the landmark model's 256 x 256 mask, mapped through the rotated ROI
to the full-size photo and refined on it so that the edge follows the photo rather than the mask's grid.

Refinement is a fast guided filter (He and Sun, 2015): the filter's linear coefficients are fitted on the box
reduced so that a mask cell spans about `CELL_PX` pixels, then upsampled and applied to the full-size pixels
(alpha = a * I + b). The full-size work is a few passes over the box, whatever the filter's radius.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from PIL import Image

from posecraft.pose.landmarks import INPUT_SIZE, PersonMask

Box = tuple[int, int, int, int]

# The guided filter works on the box reduced to about this many pixels per mask cell.
CELL_PX = 2
# Its window radius and regularisation: the radius in mask cells (the coarse edge's uncertainty), eps for
# intensities in 0..1 (below it, contrast is taken for texture, not an edge).
RADIUS_CELLS = 1.0
EPS = 0.001
# Edges are refined at full size only in the tiles the edge may cross, about this many image pixels a side.
TILE_PX = 48
# Alpha below LOW is background, above HIGH person: pure white (or transparent) away from the edge.
LOW, HIGH = 0.1, 0.9
# `isolate` keeps the part of the mask connected to the cells this near the crop's centre (the mid-hip).
SEED_RADIUS_CELLS = 12


def isolate(mask: PersonMask) -> PersonMask:
    """The mask with everything not connected (at p >= 0.5) to the person's middle set to 0: a second person or a
    stray blob at the crop's edge is not pasted on white."""
    probabilities = mask.probabilities
    person = probabilities >= 0.5
    rows, cols = np.ogrid[:INPUT_SIZE, :INPUT_SIZE]
    centre = (INPUT_SIZE - 1) / 2
    seeds = person & ((rows - centre) ** 2 + (cols - centre) ** 2 <= SEED_RADIUS_CELLS**2)
    if not seeds.any():
        return mask  # nothing to go by: keep it all
    kept = _dilate(_reconstruct(seeds, person), 2)  # and the soft edge around it
    return PersonMask(np.where(kept, probabilities, np.float32(0)), mask.to_crop)


def person_box(mask: PersonMask, image_size: tuple[int, int]) -> Box | None:
    """The bounding box, in image pixels, of the mask's person (p >= 0.5), clipped to the image; None if none."""
    rows, cols = np.nonzero(mask.probabilities >= 0.5)
    if len(rows) == 0:
        return None
    # Cell corners in crop coordinates, mapped back to the image.
    u = np.concatenate([cols, cols + 1, cols, cols + 1]).astype(np.float64)
    v = np.concatenate([rows, rows, rows + 1, rows + 1]).astype(np.float64)
    to_image = np.linalg.inv(np.vstack([mask.to_crop, [0, 0, 1]]))[:2]
    x = to_image[0, 0] * u + to_image[0, 1] * v + to_image[0, 2]
    y = to_image[1, 0] * u + to_image[1, 1] * v + to_image[1, 2]
    width, height = image_size
    box = (
        max(math.floor(x.min()), 0), max(math.floor(y.min()), 0),
        min(math.ceil(x.max()), width), min(math.ceil(y.max()), height),
    )
    return box if box[0] < box[2] and box[1] < box[3] else None


def person_alpha(image: Image.Image, mask: PersonMask, box: Box) -> Image.Image:
    """The person's alpha ('L', 0 = background, 255 = person) over `box` of `image` (RGB, the pixels `mask` maps
    from); any part of the box past the image's edge is background."""
    x0, y0, x1, y1 = box
    alpha = Image.new("L", (x1 - x0, y1 - y0), 0)
    inside = (max(x0, 0), max(y0, 0), min(x1, image.width), min(y1, image.height))
    if inside[0] < inside[2] and inside[1] < inside[3]:
        refined = _refined(image.crop(inside).convert("L"), mask, inside[:2])
        alpha.paste(Image.fromarray(refined, "L"), (inside[0] - x0, inside[1] - y0))
    return alpha


def _refined(grey: Image.Image, mask: PersonMask, origin: tuple[int, int]) -> np.ndarray:
    """Alpha (H x W uint8) for `grey`, the part of the image (as 'L') whose top-left corner is `origin`.

    Only tiles of the box where the person's edge may be are computed at full size: elsewhere alpha = a * I + b is
    below LOW (or above HIGH) for any intensity I, which the coefficients of the reduced grid tell.
    """
    ox, oy = origin
    width, height = grey.size
    cell = 1 / math.hypot(*mask.to_crop[0, :2])  # image px per mask cell
    step = max(1, int(cell / CELL_PX))
    small = grey.reduce(step) if step > 1 else grey
    # The mask on the reduced grid: reduced pixel (g, h) covers image x = ox + step * g .. ox + step * (g + 1).
    a, b, c = mask.to_crop[0]
    d, e, f = mask.to_crop[1]
    coarse = Image.fromarray(mask.probabilities, "F").transform(
        small.size, Image.Transform.AFFINE,
        (a * step, b * step, a * ox + b * oy + c, d * step, e * step, d * ox + e * oy + f),
        resample=Image.Resampling.BILINEAR,
    )
    radius = max(1, round(RADIUS_CELLS * cell / step))
    slope, offset = _guided_coefficients(
        np.asarray(small, np.float32) * np.float32(1 / 255), np.asarray(coarse, np.float32), radius, EPS
    )
    # Stretched so that LOW..HIGH becomes 0..1, for intensities 0..1: alpha = slope * I + offset.
    slope = slope / np.float32(HIGH - LOW)
    offset = (offset - np.float32(LOW)) / np.float32(HIGH - LOW)

    tile = max(2, TILE_PX // step)  # in reduced pixels
    tiles_y, tiles_x = -(-small.height // tile), -(-small.width // tile)
    # Padded by a reduced pixel all round (edge values: bilinear upsampling clamps there) and to whole tiles.
    pad = ((1, tiles_y * tile - small.height + 1), (1, tiles_x * tile - small.width + 1))
    slope, offset = np.pad(slope, pad, mode="edge"), np.pad(offset, pad, mode="edge")
    # Over each tile and its one-pixel border (what its upsampled pixels blend): alpha's bounds for I in 0..1.
    highest = _tile_extreme(offset + np.maximum(slope, 0), tile, np.max)
    lowest = _tile_extreme(offset + np.minimum(slope, 0), tile, np.min)
    side = tile * step  # a tile's side in image pixels
    alpha = np.empty((tiles_y, side, tiles_x, side), np.uint8)
    alpha[...] = np.where(lowest >= 1, np.uint8(255), np.uint8(0))[:, None, :, None]
    edge_y, edge_x = np.nonzero((highest > 0) & (lowest < 1))
    if len(edge_y):
        whole = ((0, tiles_y * side - height), (0, tiles_x * side - width))
        guide = np.pad(np.asarray(grey), whole).reshape(tiles_y, side, tiles_x, side)[edge_y, :, edge_x, :]
        guide = guide.astype(np.float32)  # (tiles, side, side)
        weights = _upsampling_weights(tile, step)  # (side, tile + 2)
        rows, cols = edge_y[:, None] * tile + np.arange(tile + 2), edge_x[:, None] * tile + np.arange(tile + 2)
        window = (rows[:, :, None], cols[:, None, :])
        tile_slope = weights @ slope[window] @ weights.T
        tile_offset = weights @ offset[window] @ weights.T
        guide *= tile_slope
        guide += tile_offset * np.float32(255)  # alpha in 0..255 for I in 0..255
        np.clip(guide, 0, 255, out=guide)
        alpha[edge_y, :, edge_x, :] = np.rint(guide).astype(np.uint8)
    return alpha.reshape(tiles_y * side, tiles_x * side)[:height, :width]


def _tile_extreme(values: np.ndarray, tile: int, reduce) -> np.ndarray:
    """`reduce` (np.max or np.min) over each tile x tile block of a padded array and its one-pixel border."""
    inner = values[1:-1, 1:-1]
    tiles_y, tiles_x = inner.shape[0] // tile, inner.shape[1] // tile
    blocks = reduce(inner.reshape(tiles_y, tile, tiles_x, tile), axis=(1, 3))
    # The borders: each tile's row above and below, columns left and right, and the four corners.
    above = reduce(values[0:-2:tile][:tiles_y, 1:-1].reshape(tiles_y, tiles_x, tile), axis=2)
    below = reduce(values[tile + 1::tile][:tiles_y, 1:-1].reshape(tiles_y, tiles_x, tile), axis=2)
    left = reduce(values[1:-1, 0:-2:tile][:, :tiles_x].reshape(tiles_y, tile, tiles_x), axis=1)
    right = reduce(values[1:-1, tile + 1::tile][:, :tiles_x].reshape(tiles_y, tile, tiles_x), axis=1)
    corners = [values[y::tile][:tiles_y][:, x::tile][:, :tiles_x] for y in (0, tile + 1) for x in (0, tile + 1)]
    return reduce(np.stack([blocks, above, below, left, right, *corners]), axis=0)


@functools.lru_cache(maxsize=64)
def _upsampling_weights(tile: int, step: int) -> np.ndarray:
    """Bilinear weights from a tile's tile + 2 reduced pixels (its own and one either side) to its tile * step
    image pixels: image pixel X sits at reduced coordinate (X + 0.5) / step - 0.5."""
    side = tile * step
    position = (np.arange(side) + 0.5) / step - 0.5 + 1  # +1: the border pixel comes first
    below = np.floor(position).astype(int)
    fraction = (position - below).astype(np.float32)
    weights = np.zeros((side, tile + 2), np.float32)
    weights[np.arange(side), below] = 1 - fraction
    weights[np.arange(side), below + 1] = fraction
    return weights


def _guided_coefficients(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter's mean linear coefficients (a, b), so that a * guide + b is `source` filtered by `guide`."""
    mean_i = _box_mean(guide, radius)
    mean_p = _box_mean(source, radius)
    cov_ip = _box_mean(guide * source, radius) - mean_i * mean_p
    var_i = _box_mean(guide * guide, radius) - mean_i * mean_i
    slope = cov_ip / (var_i + np.float32(eps))
    offset = mean_p - slope * mean_i
    return _box_mean(slope, radius), _box_mean(offset, radius)


def _box_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """The mean over a (2r+1)^2 window, the window cut at the array's edge: running sums along each axis."""
    height, width = values.shape
    summed = _window_sums(_window_sums(values, radius, 0), radius, 1)
    summed /= _window_counts(height, radius)[:, None]
    summed /= _window_counts(width, radius)[None, :]
    return summed


def _window_sums(values: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Sums over i - r .. i + r along `axis`, cut at the ends: 2r + 1 shifted slices of a zero-padded copy (for the
    small radii used here, several times faster than running sums, which numpy does not vectorise)."""
    length = values.shape[axis]
    padding = [(0, 0), (0, 0)]
    padding[axis] = (radius, radius)
    padded = np.pad(values, padding)
    sums = np.zeros_like(values)
    for shift in range(2 * radius + 1):
        sums += padded[shift:shift + length] if axis == 0 else padded[:, shift:shift + length]
    return sums


def _window_counts(length: int, radius: int) -> np.ndarray:
    positions = np.arange(length)
    return (np.minimum(positions + radius, length - 1) - np.maximum(positions - radius, 0) + 1).astype(np.float32)


def _dilate(region: np.ndarray, times: int) -> np.ndarray:
    for _ in range(times):
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        region = grown
    return region


def _reconstruct(seeds: np.ndarray, region: np.ndarray) -> np.ndarray:
    """The cells of `region` 4-connected to `seeds` (grown one cell at a time, checked every 8 steps)."""
    reached = seeds & region
    while True:
        before = reached
        for _ in range(8):
            reached = _dilate(reached, 1) & region
        if np.array_equal(reached, before):
            return reached
