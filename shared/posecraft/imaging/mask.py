"""The person cut out of a view's box: the landmark model's 256 x 256 mask, mapped through the rotated ROI to the
full-size photo and refined on it so that the edge follows the photo rather than the mask's grid.

Refinement is a fast guided filter (He and Sun, 2015): the filter's linear coefficients (alpha = a * I + b, I the
grey photo) are fitted on the box reduced so that a mask cell spans about `CELL_PX` pixels, then upsampled to full
size and applied there. Only the tiles of the box that the person's edge may cross are computed at full size:
elsewhere a * I + b stays below 0 (or above 1) for any intensity, which the reduced grid tells. On a 12 MP photo
that is ~15 % of the box (measured); the rest is a copy and a fill.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from posecraft.imaging.boxes import WHITE, Box, crop
from posecraft.pose.landmarks import INPUT_SIZE, PersonMask

# The guided filter works on the box reduced to about this many pixels per mask cell.
CELL_PX = 2
# Its window radius in mask cells (about the coarse edge's uncertainty) and its regularisation for intensities in
# 0..1 (local contrast below it is taken for texture, not an edge).
RADIUS_CELLS = 1.0
EPS = 0.001
# Full-size work is done in tiles of about this many image pixels a side: those the edge may cross.
TILE_PX = 48
# The filtered mask below LOW is background, above HIGH person, stretched in between: pure white (or
# transparent) away from the edge, a soft edge along it.
LOW, HIGH = 0.1, 0.9
# `isolate` keeps the part of the mask connected to the cells this near the crop's centre (the mid-hip).
SEED_RADIUS_CELLS = 12


EDGE = 1  # in CutOut.tiles: a tile the person's edge may cross (0: background, 255: person)


@dataclass(frozen=True, eq=False)
class CutOut:
    """The person over a view's box: the box's pixels (white past the photo's edge), which tiles of the part inside
    the photo are background, person or edge, and the alpha of the edge tiles. Only the edge tiles were computed
    at full size; the whole alpha is assembled when asked for (the cut-out on transparency, the fill)."""

    pixels: Image.Image  # RGB, the box's size
    inside: Box  # the part of the box inside the photo, in box pixels
    tile_side: int  # in pixels; the tiles at the right and bottom of `inside` may be cut short
    tiles: np.ndarray  # tile rows x tile columns: 0, 255 or EDGE
    edge_alpha: np.ndarray  # edge tiles x tile_side x tile_side uint8, in np.nonzero(tiles == EDGE) order

    @functools.cached_property
    def alpha(self) -> Image.Image:
        """'L', the box's size: 0 background, 255 person."""
        side, (left, top, right, bottom) = self.tile_side, self.inside
        rows, cols = self.tiles.shape
        person = np.where(self.tiles == 255, np.uint8(255), np.uint8(0))
        tiled = np.repeat(np.repeat(person, side, axis=0), side, axis=1)
        edge_y, edge_x = np.nonzero(self.tiles == EDGE)
        tiled.reshape(rows, side, cols, side)[edge_y, :, edge_x, :] = self.edge_alpha
        alpha = np.zeros((self.pixels.height, self.pixels.width), np.uint8)  # past the photo's edge: background
        alpha[top:bottom, left:right] = tiled[:bottom - top, :right - left]
        return Image.fromarray(alpha, "L")  # a contiguous array: Pillow maps it, no copy

    def on_transparency(self) -> Image.Image:
        """RGBA: the photo's pixels with the person's alpha (a new image). The background tiles are transparent
        white: a tool that drops the alpha shows white, and the file is a third smaller (7.4 MB for 10.8, 14 MP)."""
        cut = Image.merge("RGBA", (*self.pixels.split(), self.alpha))
        for box, _ in _tile_runs(self.tiles == 0, self.inside, self.tile_side):
            cut.paste((*WHITE, 0), box)
        return cut

    def whiten(self) -> Image.Image:
        """The person on pure white (255, 255, 255 wherever alpha is 0), made in `pixels` itself: the last use of
        this cut-out. Runs of background tiles are filled, runs of edge tiles blended through their alpha; person
        tiles are left alone (~5x cheaper than one blend over the box, measured on 12 MP)."""
        background = 255 - self.edge_alpha
        for box, _ in _tile_runs(self.tiles == 0, self.inside, self.tile_side):
            self.pixels.paste(WHITE, box)
        first_edge = 0  # edge tiles come in row-major order, as the runs do: a run's tiles are consecutive
        for (x0, y0, x1, y1), count in _tile_runs(self.tiles == EDGE, self.inside, self.tile_side):
            run = background[first_edge:first_edge + count]
            first_edge += count
            weights = run.transpose(1, 0, 2).reshape(self.tile_side, -1)[:y1 - y0, :x1 - x0]
            self.pixels.paste(WHITE, (x0, y0, x1, y1), Image.fromarray(np.ascontiguousarray(weights), "L"))
        return self.pixels

    def fill(self) -> float:
        """How much of the box's longer side the person (alpha >= 50 %) spans, 0..1."""
        extent = self.alpha.point(lambda value: 255 if value >= 128 else 0).getbbox()
        if extent is None:
            return 0.0
        axis = 1 if self.alpha.height >= self.alpha.width else 0
        return (extent[axis + 2] - extent[axis]) / self.alpha.size[axis]


def _tile_runs(flags: np.ndarray, inside: Box, side: int) -> list[tuple[Box, int]]:
    """Each run of flagged tiles along the tile rows, in row-major order: its pixels in the box (tiles of `side`
    pixels over `inside`, the last ones cut short at its edge) and how many tiles it holds."""
    left, top, right, bottom = inside
    padded = np.zeros((flags.shape[0], flags.shape[1] + 2), np.int8)
    padded[:, 1:-1] = flags
    steps = np.diff(padded, axis=1)
    rows, starts = np.nonzero(steps == 1)
    ends = np.nonzero(steps == -1)[1]
    return [((left + start * side, top + row * side, min(left + end * side, right), min(top + (row + 1) * side, bottom)),
             end - start) for row, start, end in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True)]


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
    # Connected on a half-resolution grid (any of 2 x 2 cells: thin arms stay connected), 8x cheaper.
    halves = _any_of_2x2(person)
    kept = _reconstruct(_any_of_2x2(seeds), halves).repeat(2, axis=0).repeat(2, axis=1) & person
    kept = _dilate(kept, 2)  # and the soft edge around it
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


def cut_out(image: Image.Image, mask: PersonMask, box: Box) -> CutOut:
    """The person over `box` of `image` (RGB, the photo `mask` maps from; the box may reach past its edge, which is
    white). Grey is made only where it is needed: on the reduced box for the filter, and on the edge tiles."""
    x0, y0, x1, y1 = box
    inside = (max(x0, 0), max(y0, 0), min(x1, image.width), min(y1, image.height))
    if inside[0] >= inside[2] or inside[1] >= inside[3]:
        raise ValueError(f"box {box} does not overlap the image ({image.width} x {image.height})")
    cell = 1 / math.hypot(*mask.to_crop[0, :2])  # image px per mask cell
    step = max(1, int(cell / CELL_PX))
    # Reduced first, then grey: the grey of a mean is the mean of the greys (within rounding), on 1/step^2 the pixels.
    small = (image.reduce(step, box=inside) if step > 1 else image.crop(inside)).convert("L")
    slope, offset = _reduced_coefficients(small, mask, inside[:2], step, max(1, round(RADIUS_CELLS * cell / step)))
    tile = max(2, TILE_PX // step)  # in reduced pixels
    tiles, slope, offset = _classify_tiles(slope, offset, tile)
    side = tile * step
    edge_alpha = _edge_alpha(_edge_greys(image, inside, tiles, side), tiles, slope, offset, tile, step)
    within = (inside[0] - x0, inside[1] - y0, inside[2] - x0, inside[3] - y0)
    return CutOut(crop(image, box), within, side, tiles, edge_alpha)


def _reduced_coefficients(
    small: Image.Image, mask: PersonMask, origin: tuple[int, int], step: int, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """The guided filter on `small`, the grey image reduced by `step`: a, b with alpha = a * I + b for I in 0..1,
    already stretched so that LOW..HIGH is 0..1."""
    # The mask on the reduced grid: reduced pixel (g, h) covers image x = ox + step * g .. ox + step * (g + 1).
    (a, b, c), (d, e, f) = mask.to_crop
    ox, oy = origin
    coarse = Image.fromarray(mask.probabilities, "F").transform(
        small.size, Image.Transform.AFFINE,
        (a * step, b * step, a * ox + b * oy + c, d * step, e * step, d * ox + e * oy + f),
        resample=Image.Resampling.BILINEAR,
    )
    guide = np.asarray(small, np.float32) * np.float32(1 / 255)
    source = np.asarray(coarse, np.float32)
    # The four window means at once (one pass per shift over a stacked array).
    mean_i, mean_p, mean_ip, mean_ii = _box_mean(np.stack([guide, source, guide * source, guide * guide]), radius)
    slope = (mean_ip - mean_i * mean_p) / (mean_ii - mean_i * mean_i + np.float32(EPS))
    offset = mean_p - slope * mean_i
    mean_slope, mean_offset = _box_mean(np.stack([slope, offset]), radius)
    stretch = np.float32(1 / (HIGH - LOW))
    return mean_slope * stretch, (mean_offset - np.float32(LOW)) * stretch


def _classify_tiles(slope: np.ndarray, offset: np.ndarray, tile: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which tiles (of `tile` x `tile` reduced pixels) are background (0), person (255) or edge (EDGE): alpha =
    slope * I + offset is <= 0, >= 1 or neither somewhere in the tile for I in 0..1. Also the coefficients padded by
    a reduced pixel all round (edge values: bilinear upsampling clamps there) and to whole tiles."""
    tiles_y, tiles_x = -(-slope.shape[0] // tile), -(-slope.shape[1] // tile)
    pad = ((1, tiles_y * tile - slope.shape[0] + 1), (1, tiles_x * tile - slope.shape[1] + 1))
    slope, offset = np.pad(slope, pad, mode="edge"), np.pad(offset, pad, mode="edge")
    # Alpha's bounds over each tile for any I, from its reduced pixels and the border pixels they blend with.
    highest = _tile_extreme(offset + np.maximum(slope, 0), tile, np.max)
    lowest = _tile_extreme(offset + np.minimum(slope, 0), tile, np.min)
    tiles = np.where(lowest >= 1, np.uint8(255), np.uint8(0))
    tiles[(highest > 0) & (lowest < 1)] = EDGE
    return tiles, slope, offset


def _edge_greys(image: Image.Image, inside: Box, tiles: np.ndarray, side: int) -> np.ndarray:
    """The grey pixels of each edge tile (edge tiles x side x side float32, row-major), read from the image a run of
    edge tiles at a time; a tile cut short by `inside`'s edge repeats its last pixels (trimmed later)."""
    values = np.empty((int(np.count_nonzero(tiles == EDGE)), side, side), np.float32)
    first = 0
    for box, count in _tile_runs(tiles == EDGE, inside, side):
        grey = np.asarray(image.crop(box).convert("L"))
        if grey.shape != (side, count * side):
            grey = np.pad(grey, ((0, side - grey.shape[0]), (0, count * side - grey.shape[1])), mode="edge")
        values[first:first + count] = grey.reshape(side, count, side).transpose(1, 0, 2)
        first += count
    return values


def _edge_alpha(
    values: np.ndarray, tiles: np.ndarray, slope: np.ndarray, offset: np.ndarray, tile: int, step: int
) -> np.ndarray:
    """The edge tiles' alpha = slope * I + offset, 0..255 (I their grey `values`, 0..255, changed in place), the
    coefficients (padded, from _classify_tiles) upsampled bilinearly: `tile` reduced pixels = tile * step pixels."""
    edge_y, edge_x = np.nonzero(tiles == EDGE)
    # Each tile's coefficients: its tile + 2 reduced pixels (its own and the border), upsampled.
    weights = _upsampling_weights(tile, step)
    rows = edge_y[:, None] * tile + np.arange(tile + 2)
    cols = edge_x[:, None] * tile + np.arange(tile + 2)
    window = (rows[:, :, None], cols[:, None, :])
    values *= weights @ slope[window] @ weights.T
    values += (weights @ offset[window] @ weights.T) * np.float32(255)  # 0..255 for I in 0..255
    np.clip(values, 0, 255, out=values)
    np.rint(values, out=values)
    return values.astype(np.uint8)


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


def _box_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """The mean over a (2r+1)^2 window of each of a stack of 2-D arrays, the window cut at the arrays' edge."""
    height, width = values.shape[-2:]
    summed = _window_sums(_window_sums(values, radius, -2), radius, -1)
    summed /= _window_counts(height, radius)[:, None]
    summed /= _window_counts(width, radius)[None, :]
    return summed


def _window_sums(values: np.ndarray, radius: int, axis: int) -> np.ndarray:
    """Sums over i - r .. i + r along `axis`, cut at the ends: 2r + 1 shifted slices of a zero-padded copy (for the
    small radii used here, several times faster than running sums, which numpy does not vectorise)."""
    length = values.shape[axis]
    padding = [(0, 0)] * values.ndim
    padding[axis] = (radius, radius)
    padded = np.pad(values, padding)
    sums = np.zeros_like(values)
    for shift in range(2 * radius + 1):
        sums += padded[..., shift:shift + length, :] if axis == -2 else padded[..., shift:shift + length]
    return sums


def _window_counts(length: int, radius: int) -> np.ndarray:
    positions = np.arange(length)
    return (np.minimum(positions + radius, length - 1) - np.maximum(positions - radius, 0) + 1).astype(np.float32)


def _any_of_2x2(cells: np.ndarray) -> np.ndarray:
    return np.any(cells.reshape(cells.shape[0] // 2, 2, cells.shape[1] // 2, 2), axis=(1, 3))


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
