"""Stage 2 of BlazePose: the rotated region around one person, the landmark model's input crop, and the
decoding of its outputs back to image pixels. Pure numpy; constants from mediapipe's pose_landmark graph.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecraft.pose.detector import Detection

INPUT_SIZE = 256
ROI_SCALE = 1.25
NUM_KEYPOINTS = 33  # BlazePose topology; the model's 6 extra points are ROI helpers
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


def crop_input(pixels: np.ndarray, roi: Roi) -> np.ndarray:
    """The ROI sampled to 256x256 with bilinear interpolation and edge-replicated borders, values in [0, 1].

    Matches mediapipe's cv::warpPerspective(INTER_LINEAR, BORDER_REPLICATE) grid: output pixel (u, v)
    reads the input at P0 + A @ (u, v), pixel centres at integers. Edge replication matters: a person
    cut by the frame edge gets zeros otherwise, which costs ~8 px of landmark error. For bilinear
    sampling, clamping the sample position into the image is exactly edge replication, and it needs no
    padded copy of the image (a padded copy costs 5-50 ms when the ROI is larger than the image).
    """
    height, width = pixels.shape[:2]
    k = roi.size / INPUT_SIZE
    c, s = math.cos(roi.rotation), math.sin(roi.rotation)
    half = roi.size / 2
    p0x = roi.centre_x - c * half + s * half
    p0y = roi.centre_y - s * half - c * half
    steps = np.arange(INPUT_SIZE, dtype=np.float32)
    x = np.clip((p0x + c * k * steps)[None, :] - (s * k * steps)[:, None], 0, width - 1)
    y = np.clip((p0y + s * k * steps)[None, :] + (c * k * steps)[:, None], 0, height - 1)
    x0, y0 = np.floor(x), np.floor(y)
    # Per-channel weights as full arrays: broadcasting a trailing axis of 1 is ~10x slower here.
    fx = np.repeat((x - x0)[..., None], 3, axis=2)
    fy = np.repeat((y - y0)[..., None], 3, axis=2)
    x0, y0 = x0.astype(np.intp), y0.astype(np.intp)
    x1 = np.minimum(x0 + 1, width - 1)
    row0 = y0 * width
    row1 = np.minimum(y0 + 1, height - 1) * width
    flat = pixels.reshape(-1, 3)

    def gather(index: np.ndarray) -> np.ndarray:
        # np.take is ~4x faster than fancy indexing for rows of 3 bytes.
        return np.take(flat, index, axis=0).astype(np.float32)

    a, b = gather(row0 + x0), gather(row0 + x1)
    top = a + (b - a) * fx
    a, b = gather(row1 + x0), gather(row1 + x1)
    bottom = a + (b - a) * fx
    sampled = top + (bottom - top) * fy
    # mediapipe rounds to uint8 before normalising; keep that so scores match.
    return (np.rint(sampled) * np.float32(1 / 255.0))[None]


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


def decode(raw: np.ndarray, heatmap: np.ndarray, roi: Roi) -> np.ndarray:
    """Raw landmark outputs (39x5: x, y, z, visibility, presence in crop pixels) -> 33 x [x, y, visibility]
    in image pixels."""
    raw = raw.reshape(-1, 5)[:NUM_KEYPOINTS]
    u, v = refine_from_heatmap(raw[:, 0] / INPUT_SIZE, raw[:, 1] / INPUT_SIZE, heatmap)
    x, y = roi.to_image(u, v)
    return np.stack([x, y, _sigmoid(raw[:, 3])], axis=1)
