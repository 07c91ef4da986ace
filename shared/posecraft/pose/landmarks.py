"""Stage 2 of BlazePose: the rotated region around one person, the landmark model's input crop, and the
decoding of its outputs back to image pixels (the landmarks, and the person mask as a map into the crop).
Numpy; constants from mediapipe's pose_landmark graph.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from posecraft.pose.detector import Detection

INPUT_SIZE = 256
ROI_SCALE = 1.25
NUM_KEYPOINTS = 33  # BlazePose topology; the model's 6 extra points are ROI helpers
# The crop is sampled 64 output rows at a time: the working arrays of a band (~1.8 MB) stay in cache
# between the ~25 numpy passes over them; whole-crop arrays (~8 MB) made the crop ~25% slower (measured).
CROP_BAND = 64
REFINE_KERNEL = 7
REFINE_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Roi:
    """A square region rotated so that the person stands upright in it (pixels, radians)."""

    centre_x: float
    centre_y: float
    size: float
    rotation: float

    def to_image(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ROI-normalised coordinates (0..1) -> image pixels."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        du, dv = (u - 0.5) * self.size, (v - 0.5) * self.size
        return c * du - s * dv + self.centre_x, s * du + c * dv + self.centre_y


def roi_from_detection(detection: Detection) -> Roi:
    """Centre on the mid-hip, side 2.5x the body radius, rotated so that hip -> body-top points up."""
    (x0, y0), (x1, y1) = detection.keypoints[0], detection.keypoints[1]
    rotation = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    rotation -= 2 * math.pi * math.floor((rotation + math.pi) / (2 * math.pi))
    return Roi(float(x0), float(y0), 2 * ROI_SCALE * math.hypot(x1 - x0, y1 - y0), rotation)


def rgbx_pixels(image: Image.Image) -> np.ndarray:
    """An RGB image as CropSampler reads it: H x W uint32, each the pixel's R, G, B bytes and a padding byte.

    Pillow keeps RGB pixels in 4 bytes: this export is a copy without repacking (0.3 ms for a pose copy,
    against 0.8 ms for np.asarray's 3-byte pixels, measured), and gathering 4-byte items is ~4x faster than
    gathering 3-byte rows.
    """
    return np.frombuffer(image.tobytes("raw", "RGBX"), np.uint32).reshape(image.height, image.width)


class CropSampler:
    """Samples the ROI to the landmark model's 256x256 input, bilinear, edge-replicated, values in [0, 1].

    Matches mediapipe's cv::warpPerspective(INTER_LINEAR, BORDER_REPLICATE) grid: output pixel (u, v)
    reads the input at P0 + A @ (u, v), pixel centres at integers. Edge replication matters: a person
    cut by the frame edge gets zeros otherwise, which costs ~8 px of landmark error. For bilinear
    sampling, clamping the sample position into the image is exactly edge replication, and it needs no
    padded copy of the image (a padded copy costs 5-50 ms when the ROI is larger than the image).

    The working arrays are kept between calls (a sampler is not for two threads at once): freshly
    allocated arrays of this size cost more in page faults than the arithmetic (~1760 faults, 4-8 ms per
    crop, measured). Positions and weights are computed per byte of each gathered pixel (4 per sample):
    broadcasting a trailing axis of 1 is ~10x slower than this redundancy.
    """

    def __init__(self):
        shape, shape4 = (CROP_BAND, INPUT_SIZE), (CROP_BAND, 4 * INPUT_SIZE)
        self._steps = np.arange(INPUT_SIZE, dtype=np.float32)
        self._steps4 = np.repeat(self._steps, 4)
        self._x, self._y = np.empty(shape4, np.float32), np.empty(shape4, np.float32)
        self._x0, self._y0 = np.empty(shape4, np.float32), np.empty(shape4, np.float32)
        self._index, self._row = np.empty(shape, np.intp), np.empty(shape, np.intp)
        self._gathered = np.empty(shape, np.uint32)
        self._left, self._top, self._bottom = (np.empty(shape4, np.float32) for _ in range(3))

    def __call__(self, rgbx: np.ndarray, roi: Roi, out: np.ndarray) -> None:
        """Writes the crop of `rgbx` (see rgbx_pixels) into `out` (256 x 256 x 3, float32)."""
        k = roi.size / INPUT_SIZE
        c, s = math.cos(roi.rotation), math.sin(roi.rotation)
        half = roi.size / 2
        p0x = roi.centre_x - c * half + s * half
        p0y = roi.centre_y - s * half - c * half
        # x = p0x + c k u - s k v, y = p0y + s k u + c k v: the u and v terms, summed per band of rows.
        across_x, across_y = p0x + c * k * self._steps4, p0y + s * k * self._steps4
        down_x, down_y = -(s * k * self._steps), c * k * self._steps
        for top in range(0, INPUT_SIZE, CROP_BAND):
            rows = slice(top, top + CROP_BAND)
            self._sample_band(rgbx, across_x, across_y, down_x[rows], down_y[rows], out[rows])

    def _sample_band(
        self, rgbx: np.ndarray, across_x: np.ndarray, across_y: np.ndarray, down_x: np.ndarray, down_y: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """One band of output rows."""
        height, width = rgbx.shape
        x, y, x0, y0 = self._x, self._y, self._x0, self._y0
        # Outer sums are ~5x faster than the same sums broadcast from [None, :] and [:, None], same bits.
        np.add.outer(down_x, across_x, out=x)
        np.add.outer(down_y, across_y, out=y)
        np.clip(x, 0, width - 1, out=x)
        np.clip(y, 0, height - 1, out=y)
        np.floor(x, out=x0)
        np.floor(y, out=y0)
        x -= x0  # now the weights of the right-hand neighbours
        y -= y0  # and of the ones below
        index, row = self._index, self._row
        np.copyto(row, y0[:, ::4], casting="unsafe")
        np.copyto(index, x0[:, ::4], casting="unsafe")
        row *= width
        index += row  # top-left neighbour of each sample, in the flattened image
        flat = rgbx.reshape(-1)
        top, bottom = self._top, self._bottom
        self._lerp_row(flat, index, top)
        index += width
        self._lerp_row(flat, index, bottom)
        bottom -= top
        bottom *= y
        bottom += top
        # mediapipe rounds to uint8 before normalising; keep that so scores match.
        np.rint(bottom, out=bottom)
        bottom *= np.float32(1 / 255.0)
        samples = bottom.reshape(CROP_BAND, INPUT_SIZE, 4)
        for channel in range(3):  # one copy per channel: copying [..., :3] at once is ~6x slower
            np.copyto(out[..., channel], samples[..., channel])

    def _lerp_row(self, flat: np.ndarray, index: np.ndarray, into: np.ndarray) -> None:
        """Each sample's value between the pixel at `index` and its right-hand neighbour, into `into`."""
        # An index past the right or bottom edge occurs only where its weight is 0 (the position was
        # clamped onto that edge): mode="clip" keeps it inside the array.
        left, gathered = self._left, self._gathered
        channels = gathered.view(np.uint8).reshape(CROP_BAND, 4 * INPUT_SIZE)
        np.take(flat, index, out=gathered, mode="clip")
        np.copyto(left, channels)
        index += 1
        np.take(flat, index, out=gathered, mode="clip")
        index -= 1
        np.subtract(channels, left, out=into, dtype=np.float32)
        into *= self._x
        into += left


def crop_input(pixels: np.ndarray, roi: Roi) -> np.ndarray:
    """The ROI of an H x W x 3 uint8 image as the landmark model's input (1 x 256 x 256 x 3): see CropSampler."""
    rgbx = np.concatenate([pixels, np.zeros_like(pixels[..., :1])], axis=2).view(np.uint32)[..., 0]
    out = np.empty((1, INPUT_SIZE, INPUT_SIZE, 3), np.float32)
    CropSampler()(rgbx, roi, out[0])
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def refine_from_heatmap(u: np.ndarray, v: np.ndarray, heatmap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move each landmark to the confidence-weighted centre of its 7x7 heatmap window, when the window is
    confident enough (max >= 0.5). All landmarks at once: windows gathered from a padded heatmap whose
    border has confidence 0, so cells outside the heatmap weigh nothing."""
    rows, cols, count = heatmap.shape
    count = min(count, len(u))
    off = REFINE_KERNEL // 2
    col = (u[:count] * cols).astype(int)
    row = (v[:count] * rows).astype(int)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    padded = np.pad(heatmap[:, :, :count], ((off, off), (off, off), (0, 0)), constant_values=-np.inf)
    window = np.arange(REFINE_KERNEL)
    col_c, row_c = np.clip(col, 0, cols - 1), np.clip(row, 0, rows - 1)
    win_rows = row_c[:, None] + window  # (count, 7) in padded coordinates
    win_cols = col_c[:, None] + window
    conf = _sigmoid(padded[win_rows[:, :, None], win_cols[:, None, :], np.arange(count)[:, None, None]])
    total = conf.sum(axis=(1, 2))
    refine = inside & (conf.max(axis=(1, 2)) >= REFINE_MIN_CONFIDENCE) & (total > 0)
    safe_total = np.where(total > 0, total, 1.0)
    mean_col = (conf.sum(axis=1) * (win_cols - off)).sum(axis=1) / safe_total
    mean_row = (conf.sum(axis=2) * (win_rows - off)).sum(axis=1) / safe_total
    u, v = u.copy(), v.copy()
    u[:count] = np.where(refine, mean_col / cols, u[:count])
    v[:count] = np.where(refine, mean_row / rows, v[:count])
    return u, v


@dataclass(frozen=True, eq=False)
class PersonMask:
    """The landmark model's segmentation of its person: 256 x 256 probabilities in the crop's rotated frame, and
    the affine map from an image's pixels to the crop's.

    Coordinates are continuous, Pillow's convention (a pixel's centre at +0.5, the image's corner at 0), so the
    same mask in another image's pixels (pose copy -> full size) is a plain scaling: `scaled`.
    """

    probabilities: np.ndarray  # 256 x 256 float32, 0..1
    to_crop: np.ndarray  # 2 x 3: crop (u, v) = to_crop @ (x, y, 1)

    def scaled(self, scale_x: float, scale_y: float) -> PersonMask:
        """The same mask for an image `scale_x` x `scale_y` times as large."""
        return PersonMask(self.probabilities, self.to_crop * np.array([1 / scale_x, 1 / scale_y, 1.0]))


def decode_segmentation(raw: np.ndarray, roi: Roi) -> PersonMask:
    """The segmentation output (256 x 256 logits) as probabilities, with the map from image pixels to the crop.

    The crop (CropSampler) reads crop pixel (u, v) at image point P0 + k R (u, v), both with pixel centres at
    integers, as mediapipe's warp does; its inverse, moved to centres at +0.5, is the map. mediapipe maps the mask
    back the same way (the inverse of that matrix, bilinear, zero outside the crop).
    """
    k = roi.size / INPUT_SIZE
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    half = roi.size / 2
    p0 = np.array([roi.centre_x - c * half + s * half, roi.centre_y - s * half - c * half])
    inverse = np.array([[c, s], [-s, c]]) / k  # (R k)^-1 = R^T / k
    offset = 0.5 - inverse @ (p0 + 0.5)  # u_c = inverse @ (x_c - 0.5 - p0) + 0.5
    # tanh form of the sigmoid: exp overflows for the large logits far from the person.
    probabilities = 0.5 + 0.5 * np.tanh(0.5 * raw.reshape(INPUT_SIZE, INPUT_SIZE).astype(np.float32))
    return PersonMask(probabilities, np.column_stack([inverse, offset]))


def decode(raw: np.ndarray, heatmap: np.ndarray, roi: Roi) -> np.ndarray:
    """Raw landmark outputs (39x5: x, y, z, visibility, presence in crop pixels) -> 33 x [x, y, visibility]
    in image pixels."""
    raw = raw.reshape(-1, 5)[:NUM_KEYPOINTS]
    u, v = refine_from_heatmap(raw[:, 0] / INPUT_SIZE, raw[:, 1] / INPUT_SIZE, heatmap)
    x, y = roi.to_image(u, v)
    return np.stack([x, y, _sigmoid(raw[:, 3])], axis=1)
