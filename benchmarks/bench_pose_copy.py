"""Two ways to get the pose input of a 12 MP JPEG, each followed by the pose stage: prints numbers, asserts nothing.

    .venv/bin/python benchmarks/bench_pose_copy.py [--rounds 12]

- draft (what decode_image does): libjpeg decodes a 1/4-scale copy (DCT scaling) while the full-size decode runs
  on a second thread; the pose runs on the small copy, then the full image is waited for;
- reduce: one full-size decode, then `Image.reduce(4)` for the pose input, then the pose, one after the other.

Both decode the full image once. The rounds alternate the two ways, so load from other processes falls on both.
Needs the pose models (`make install`).
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_decode_views import FULL_BODY, twelve_megapixel  # noqa: E402

from posecraft.config import Settings  # noqa: E402
from posecraft.imaging import decode_image  # noqa: E402
from posecraft.pose.engine import get_engine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    args = parser.parse_args()
    engine = get_engine(Settings.from_env())

    def draft(data: bytes) -> None:
        decoded = decode_image(data, max_pixels=50_000_000)
        engine.estimate(decoded.pose_image)
        _ = decoded.image  # wait for the full-size decode

    def reduce(data: bytes) -> None:
        image = Image.open(io.BytesIO(data))
        image.decodermaxblock = len(data)
        image.load()
        engine.estimate(image.reduce(4))

    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.rounds} rounds")
    for seed, photo in enumerate(FULL_BODY):
        data, _ = twelve_megapixel(photo, seed)
        runs: dict[str, list[tuple[float, float]]] = {"draft": [], "reduce": []}
        for _ in range(args.rounds):
            for name, way in (("draft", draft), ("reduce", reduce)):
                wall, cpu = time.perf_counter(), time.process_time()
                way(data)
                runs[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        line = [f"{photo:<16}"]
        for name, times in runs.items():
            line.append(
                f"{name}: wall {statistics.median(t[0] for t in times):6.1f} ms, cpu {statistics.median(t[1] for t in times):6.1f} ms"
            )
        print("   ".join(line))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
