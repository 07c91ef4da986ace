"""mediapipe's own BlazePose pipeline on the benchmark photos, for comparison (run by bench_pose.py).

Runs in a throwaway venv that has mediapipe==0.10.21 (it pins numpy<2, so it stays out of the project venv):
    python -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21
Usage: /tmp/mpvenv/bin/python mediapipe_pose.py REPS FULL_JPEG:POSE_PNG ...
(bench_pose.py runs it once per round with REPS=1, between its own rounds, so both see the same machine load.)
Prints one JSON object: per photo, the seconds of each repetition (wall and CPU) of
  decode     Pillow decode of the 12 MP JPEG to an RGB array (what mediapipe needs as input),
  pose_full  Pose.process on that full-size array (mediapipe's own resampling from 12 MP),
  pose_small Pose.process on the same small copy the PoseCraft engine gets.
"""
from __future__ import annotations

import json
import sys
import time

import mediapipe as mp
import numpy as np
from PIL import Image


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    reps = int(sys.argv[1])
    pairs = [arg.split(":") for arg in sys.argv[2:]]
    results = {}
    # static_image_mode: a detection on every image, no tracking (as the worker does); complexity 1 = "full".
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        for full_path, small_path in pairs:
            with Image.open(small_path) as small:
                small_pixels = np.asarray(small.convert("RGB"))
            found = pose.process(small_pixels).pose_landmarks is not None  # warm-up
            runs = {"decode": [], "pose_full": [], "pose_small": [], "found": found}
            for _ in range(reps):
                def decode():
                    with Image.open(full_path) as im:
                        return np.asarray(im.convert("RGB"))

                pixels, wall, cpu = timed(decode)
                runs["decode"].append([wall, cpu])
                _, wall, cpu = timed(lambda: pose.process(pixels))
                runs["pose_full"].append([wall, cpu])
                _, wall, cpu = timed(lambda: pose.process(small_pixels))
                runs["pose_small"].append([wall, cpu])
            results[full_path] = runs
    print(json.dumps(results))


if __name__ == "__main__":
    main()
