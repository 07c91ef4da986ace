"""mediapipe's own person masks for the test photos: the oracle tests/unit/test_person_mask.py checks ours against.

Runs in a throwaway environment, not the project's (mediapipe 0.10.21 pins numpy<2):

    python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21
    /tmp/mpvenv/bin/python scripts/mediapipe_masks.py tests/photos

Writes tests/photos/mediapipe_masks/<photo stem>.png: `segmentation_mask` of the legacy
`mediapipe.solutions.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True)` (the same
settings as mediapipe_landmarks.json), a float 0..1 at the photo's size, stored as 8-bit grey (x 255, rounded).
"""
from __future__ import annotations

import sys
from pathlib import Path

import mediapipe as mp
import numpy as np
from PIL import Image

PHOTOS = ["bus.jpg", "basketball1.png", "messi5.jpg", "astronaut.png", "grace_hopper.jpg"]


def main(folder: str) -> None:
    photos = Path(folder)
    out = photos / "mediapipe_masks"
    out.mkdir(exist_ok=True)
    pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True)
    for name in PHOTOS:
        with Image.open(photos / name) as im:
            pixels = np.asarray(im.convert("RGB"))
        result = pose.process(pixels)
        if result.segmentation_mask is None:
            print(f"{name}: no person found", file=sys.stderr)
            continue
        mask = np.rint(np.clip(result.segmentation_mask, 0, 1) * 255).astype(np.uint8)
        Image.fromarray(mask, "L").save(out / f"{Path(name).stem}.png", optimize=True)
        print(f"{name}: {mask.shape[1]}x{mask.shape[0]}, {(mask >= 128).mean():.1%} person")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/photos")
