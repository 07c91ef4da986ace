"""Stage 1 of BlazePose: the person detector (224x224 SSD, 2254 anchors) and its decoding.

Pure numpy over the raw model outputs; constants are those of mediapipe's pose_detection_cpu graph.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

INPUT_SIZE = 224
MIN_SCORE = 0.5
NMS_IOU = 0.3
SCORE_CLIP = 100.0  # mediapipe clips logits before the sigmoid
# The detector reports the most salient person and seldom a second one beside it; others are found by
# running it again with the people already found blanked out (a band along each body axis).
BLANK_HALF_WIDTH = 0.45  # of the body radius
BLANK_HALF_LENGTH = 1.25  # of the body radius: the landmark ROI's half side


def _ssd_anchors(input_size: int = INPUT_SIZE, strides=(8, 16, 32, 32, 32), offset: float = 0.5) -> np.ndarray:
    """Anchor centres (x, y), normalised, in model output order: SsdAnchorsCalculator with
    fixed_anchor_size and two anchors per cell per layer; layers of equal stride share one grid."""
    centres = []
    for stride in sorted(set(strides)):
        per_cell = 2 * strides.count(stride)
        cells = math.ceil(input_size / stride)
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + offset) / cells, (ys + offset) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


ANCHORS = _ssd_anchors()


@dataclass(frozen=True)
class Detection:
    """One person, in pixels of the image the detector input was made from."""

    score: float
    box: np.ndarray  # x0, y0, x1, y1: what non-max suppression compares
    keypoints: np.ndarray  # (4, 2): 0 mid-hip, 1 a point on the circle around the whole body; 2-3 unused here

    @property
    def body_centre(self) -> np.ndarray:
        return self.keypoints[0]

    @property
    def body_radius(self) -> float:
        return float(np.hypot(*(self.keypoints[1] - self.keypoints[0])))


def letterbox_input(image: Image.Image, out: np.ndarray | None = None) -> np.ndarray:
    """The image centred in a black square and sampled to 224x224, values in [-1, 1], into `out`
    (1 x 224 x 224 x 3, float32; the interpreter's input tensor) or a new array.

    Pillow's affine sampling on the same grid as mediapipe's warpAffine (pixel centres at half-integers
    in Pillow's convention): a half-pixel shift here moves borderline scores a lot.
    """
    width, height = image.size
    side = max(width, height)
    k = side / INPUT_SIZE
    x0, y0 = width / 2 - side / 2, height / 2 - side / 2
    crop = image.transform(
        (INPUT_SIZE, INPUT_SIZE),
        Image.Transform.AFFINE,
        (k, 0.0, x0 + 0.5 - k * 0.5, 0.0, k, y0 + 0.5 - k * 0.5),
        resample=Image.Resampling.BILINEAR,
        fillcolor=(0, 0, 0),
    )
    if out is None:
        out = np.empty((1, INPUT_SIZE, INPUT_SIZE, 3), np.float32)
    np.multiply(np.asarray(crop), np.float32(1 / 127.5), out=out[0], dtype=np.float32)
    out -= np.float32(1.0)
    return out


def blank_people(
    model_input: np.ndarray, detections: list[Detection], image_size: tuple[int, int], out: np.ndarray | None = None
) -> np.ndarray:
    """The letterboxed input with a grey band over each detected person's body axis, into `out` (which may be
    `model_input` itself: the interpreter's input tensor, blanked where it is) or a new array."""
    width, height = image_size
    side = max(width, height)
    to_input = INPUT_SIZE / side
    offset = np.array([(side - width) / 2, (side - height) / 2])
    mask = Image.new("1", (INPUT_SIZE, INPUT_SIZE))
    draw = ImageDraw.Draw(mask)
    for det in detections:
        hip, top = det.keypoints[0], det.keypoints[1]
        along = (top - hip) / max(det.body_radius, 1e-6)
        across = np.array([-along[1], along[0]])
        half_len, half_wid = BLANK_HALF_LENGTH * det.body_radius, BLANK_HALF_WIDTH * det.body_radius
        corners = [hip + a * half_len * along + b * half_wid * across for a, b in ((-1, -1), (-1, 1), (1, 1), (1, -1))]
        draw.polygon([tuple((corner + offset) * to_input) for corner in corners], fill=1)
    if out is None:
        out = model_input.copy()
    elif out is not model_input:
        np.copyto(out, model_input)
    out[0][np.asarray(mask)] = 0.0
    return out


def decode(raw: np.ndarray, logits: np.ndarray, image_size: tuple[int, int]) -> list[Detection]:
    """Raw outputs (2254x12 regressors, 2254 logits) -> detections after weighted NMS, best score first."""
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
    keep = scores >= MIN_SCORE
    if not keep.any():
        return []
    raw, scores, anchors = raw[keep], scores[keep], ANCHORS[keep]
    # Regressors are in input pixels relative to the anchor centre.
    points = raw.reshape(-1, 6, 2) / INPUT_SIZE
    points[:, 0] += anchors  # box centre
    points[:, 2:] += anchors[:, None, :]  # keypoints
    half = points[:, 1] / 2  # box width, height
    boxes = np.concatenate([points[:, 0] - half, points[:, 0] + half], axis=1)
    keypoints = points[:, 2:]
    # From the letterboxed square back to image pixels.
    width, height = image_size
    side = max(width, height)
    offset = np.array([(side - width) / 2, (side - height) / 2])
    boxes = boxes * side - np.tile(offset, 2)
    keypoints = keypoints * side - offset
    return weighted_nms(boxes, keypoints, scores)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = (box[2] - box[0]) * (box[3] - box[1]) + areas - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray) -> list[Detection]:
    """mediapipe's WEIGHTED non-max suppression: each cluster (IoU > 0.3 with its best box) becomes the
    score-weighted mean of its members, with the best member's score. Loops once per cluster kept."""
    order = np.argsort(-scores, kind="stable")
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    remaining = np.arange(len(scores))
    detections = []
    while remaining.size:
        top = remaining[0]
        in_cluster = _iou(boxes[top], boxes[remaining]) > NMS_IOU
        in_cluster[0] = True
        members = remaining[in_cluster]
        weights = scores[members] / scores[members].sum()
        detections.append(
            Detection(
                score=float(scores[top]),
                box=weights @ boxes[members],
                keypoints=np.tensordot(weights, keypoints[members], axes=1),
            )
        )
        remaining = remaining[~in_cluster]
    return detections
