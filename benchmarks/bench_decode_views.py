"""Decode and garment-view timings on 12 MP JPEGs: prints numbers, asserts nothing.

    .venv/bin/python benchmarks/bench_decode_views.py [--rounds 7]

The inputs are the full-body photos of tests/photos enlarged to 3000 x 4000 (12 MP) with a little sensor-like
noise, saved as q92 JPEGs (3-5 MB, like a camera's). The keypoints are mediapipe's own for those photos, scaled:
this measures decoding and the views, not the pose model. Lines printed, medians over the rounds, per photo:

- decode: `decode_image` until the pose copy is ready, and until the full-size image is ready (its decode runs
  on a second thread meanwhile; the pose stage would run in that gap);
- plan: `plan_views`;
- crop+encode: `render_views`, five views, JPEG q90 progressive on the thread pool;
- floor: plain Pillow on one thread: one full decode, then crop and encode the same five boxes the same way;
- cpu: process CPU time of our path (decode + plan + views) and of the floor, for images per second per core.
The machine's load average is printed too: on a shared machine the wall times carry its noise.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from posecraft.imaging import decode_image
from posecraft.views.geometry import ViewBox, plan_views
from posecraft.views.render import encode, render_views

PHOTOS_DIR = Path(__file__).resolve().parents[1] / "tests" / "photos"
FULL_BODY = ["bus.jpg", "basketball1.png", "messi5.jpg"]
SIZE = (3000, 4000)


def twelve_megapixel(photo: str, seed: int) -> tuple[bytes, list[tuple[float, float, float]]]:
    source = Image.open(PHOTOS_DIR / photo).convert("RGB")
    width, height = SIZE if source.height >= source.width else SIZE[::-1]
    big = source.resize((width, height), Image.Resampling.LANCZOS)
    grain = np.random.default_rng(seed).normal(0, 4, (height, width, 3))
    pixels = np.clip(np.asarray(big, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=92)
    entry = json.loads((PHOTOS_DIR / "mediapipe_landmarks.json").read_text())["photos"][photo]
    sx, sy = width / entry["size"][0], height / entry["size"][1]
    keypoints = [(x * sx, y * sy, v) for x, y, _z, v, _p in entry["landmarks"]]
    return out.getvalue(), keypoints


def floor(data: bytes, boxes: list[ViewBox]) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()
    for box in boxes:
        encode(image.crop(box.box), "jpeg", 90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"{'photo':<16} {'MB':>4} {'pose copy':>9} {'full':>6} {'plan':>6} {'views':>6} {'total':>6} {'floor':>6} "
        f"{'cpu':>6} {'floor cpu':>9}  (ms, medians of {args.rounds})"
    )
    totals, floors, cpus, floor_cpus = [], [], [], []
    for seed, photo in enumerate(FULL_BODY):
        data, keypoints = twelve_megapixel(photo, seed)
        timings: dict[str, list[float]] = {
            k: [] for k in ("pose_copy", "full", "plan", "views", "total", "floor", "cpu", "floor_cpu")
        }
        for _ in range(args.rounds):
            cpu_start = time.process_time()
            start = time.perf_counter()
            decoded = decode_image(data, max_pixels=50_000_000)
            pose_copy = time.perf_counter()
            image = decoded.image
            full = time.perf_counter()
            plans = plan_views(keypoints, image.size)
            planned = time.perf_counter()
            views = render_views(image, plans)
            done = time.perf_counter()
            cpu_done = time.process_time()
            boxes = [p for p in plans if isinstance(p, ViewBox)]
            floor(data, boxes)
            floored = time.perf_counter()
            cpu_floored = time.process_time()
            for key, value in (
                ("pose_copy", pose_copy - start),
                ("full", full - start),
                ("plan", planned - full),
                ("views", done - planned),
                ("total", done - start),
                ("floor", floored - done),
                ("cpu", cpu_done - cpu_start),
                ("floor_cpu", cpu_floored - cpu_done),
            ):
                timings[key].append(value * 1000)
        m = {k: statistics.median(v) for k, v in timings.items()}
        totals.append(m["total"])
        floors.append(m["floor"])
        cpus.append(m["cpu"])
        floor_cpus.append(m["floor_cpu"])
        sizes = " ".join(f"{v.label}={v.width}x{v.height}" for v in views)
        print(
            f"{photo:<16} {len(data) / 1e6:>4.1f} {m['pose_copy']:>9.1f} {m['full']:>6.1f} {m['plan']:>6.2f} "
            f"{m['views']:>6.1f} {m['total']:>6.1f} {m['floor']:>6.1f} {m['cpu']:>6.1f} {m['floor_cpu']:>9.1f}  {sizes}"
        )
    cpu, floor_cpu = statistics.median(cpus), statistics.median(floor_cpus)
    print(
        f"median wall: ours {statistics.median(totals):.1f} ms, Pillow floor {statistics.median(floors):.1f} ms; "
        f"median cpu: ours {cpu:.1f} ms ({1000 / cpu:.2f} photos/s/core), floor {floor_cpu:.1f} ms "
        f"({1000 / floor_cpu:.2f} photos/s/core)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
