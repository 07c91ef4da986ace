"""The pose engine against mediapipe's own pipeline, call by call: a script that prints numbers, not a test.

    .venv/bin/python benchmarks/pose_vs_mediapipe.py [--rounds 12] [--mediapipe-python /tmp/mpvenv/bin/python]

bench_pose.py times mediapipe in a block of its own once per round, so a busy spell on the shared machine can fall
on one side only. Here mediapipe runs in a persistent process (its throwaway venv, see mediapipe_pose.py) and each
pose copy goes through mediapipe's Pose.process and PoseEngine.estimate alternately, call by call, the order
swapped every round. Inputs: the pose copies of bench_pose.py's 12 MP photos (the draft-decoded images the
pipeline gives the engine).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def serve() -> None:
    """In mediapipe's venv: one line per call, a pose copy's path in, its wall and CPU seconds out."""
    import mediapipe as mp
    import numpy as np
    from PIL import Image

    arrays = {}
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as pose:
        for line in sys.stdin:
            path = line.strip()
            if path not in arrays:
                arrays[path] = np.asarray(Image.open(path).convert("RGB"))
                pose.process(arrays[path])  # warm-up
            wall, cpu = time.perf_counter(), time.process_time()
            found = pose.process(arrays[path]).pose_landmarks is not None
            print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu, found]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "posecraft-bench"))
    parser.add_argument("--mediapipe-python", default="/tmp/mpvenv/bin/python")
    args = parser.parse_args()
    if not Path(args.mediapipe_python).exists():
        sys.exit(f"{args.mediapipe_python} missing: python -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21")

    from bench_pose import make_inputs

    from posecraft.config import Settings
    from posecraft.imaging.decode import decode_image
    from posecraft.pose.engine import get_engine

    settings = Settings.from_env()
    work = Path(args.work)
    (work / "out").mkdir(parents=True, exist_ok=True)
    copies = {}
    for path in make_inputs(work):
        decoded = decode_image(path.read_bytes(), max_pixels=settings.max_image_pixels)
        png = work / "out" / f"{path.stem}-pose.png"
        decoded.pose_image.save(png)
        copies[str(png)] = decoded.pose_image
    engine = get_engine(settings)
    for image in copies.values():
        engine.estimate(image)  # warm-up

    server = subprocess.Popen(
        [args.mediapipe_python, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )

    def mediapipe(path: str) -> tuple[float, float]:
        server.stdin.write(path + "\n")
        server.stdin.flush()
        wall, cpu, found = json.loads(server.stdout.readline())
        if not found:
            sys.exit(f"mediapipe found no person on {path}: not comparable")
        return wall, cpu

    def posecraft(path: str) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        engine.estimate(copies[path])
        return time.perf_counter() - wall, time.process_time() - cpu

    for path in copies:
        mediapipe(path)  # its warm-up
    results = {"mediapipe": [], "posecraft": []}
    loads = []
    for round_ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for path in copies:
            contenders = [("mediapipe", mediapipe), ("posecraft", posecraft)]
            for name, run in contenders if round_ % 2 == 0 else contenders[::-1]:
                results[name].append(run(path))
    server.stdin.close()
    server.wait()

    print(f"pose engine vs mediapipe, call by call  {time.strftime('%Y-%m-%d %H:%M %Z')}  {os.cpu_count()} cores, "
          f"1-min load average {min(loads):.2f}-{max(loads):.2f}; {args.rounds} rounds x {len(copies)} pose copies; "
          f"model {settings.pose_model}, runtime {settings.pose_runtime}, {settings.pose_threads} threads")
    walls = {name: statistics.median(wall for wall, _ in runs) for name, runs in results.items()}
    for name, runs in results.items():
        print(f"  {name:10s} wall {walls[name] * 1000:6.1f} ms  CPU {statistics.median(cpu for _, cpu in runs) * 1000:6.1f} ms")
    print(f"  PoseCraft pose / mediapipe pose (target <= 1)  {walls['posecraft'] / walls['mediapipe']:.2f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        main()
