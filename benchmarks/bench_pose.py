"""The pose pipeline on 12 MP JPEGs: per-stage medians and images per second per core, beside
(a) mediapipe's own pipeline, (b) npm sharp cutting the same views, (c) the Pillow floor (decode + the same views,
no pose). A script that prints numbers, not a test.

    .venv/bin/python benchmarks/bench_pose.py [--rounds 5] [--mediapipe-python /tmp/mpvenv/bin/python]
                                              [--sharp-modules /tmp/sharpbench/node_modules]

(a) and (b) run in throwaway environments (see mediapipe_pose.py and sharp_views.mjs); either is left out, with
the reason printed, when its environment is missing. Inputs: the real photos of tests/photos upscaled with
Pillow LANCZOS to ~12 MP and saved as JPEG q92 (made once, kept in --work).

Wall time is what one photo takes from bytes in memory to view files on disk; CPU time counts every thread,
so "per core" = 1 / CPU seconds per image: what each of the machine's cores can sustain with one worker each.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image

from posecraft.config import Settings
from posecraft.imaging.decode import decode_image
from posecraft.pipeline import analyze_photo
from posecraft.pose.engine import get_engine
from posecraft.views.geometry import ViewBox
from posecraft.views.render import render_views

HERE = Path(__file__).resolve().parent
PHOTOS = HERE.parent / "tests" / "photos"
PHOTO_NAMES = ["bus.jpg", "basketball1.png", "messi5.jpg", "astronaut.png", "grace_hopper.jpg"]
TARGET_PIXELS = 12_000_000


def make_inputs(work: Path) -> list[Path]:
    """Each real photo upscaled to ~12 MP (LANCZOS) and saved as a q92 JPEG; made once."""
    paths = []
    for name in PHOTO_NAMES:
        path = work / f"{Path(name).stem}-12mp.jpg"
        if not path.exists():
            with Image.open(PHOTOS / name) as im:
                factor = math.sqrt(TARGET_PIXELS / (im.width * im.height))
                big = im.convert("RGB").resize((round(im.width * factor), round(im.height * factor)), Image.Resampling.LANCZOS)
            big.save(path, "JPEG", quality=92)
        paths.append(path)
    return paths


def timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def median_ms(values) -> float:
    return statistics.median(values) * 1000


def write_views(views, folder: Path) -> None:
    for view in views:
        (folder / f"{view.label}.jpg").write_bytes(view.data)


def posecraft_round(inputs: list[Path], pose_copies: dict, settings: Settings, out: Path, results: dict) -> None:
    """analyze_photo + writing the views, as the CLI does, once per photo; the stages from the pipeline's own
    timings; then the pose engine alone on the same pose copy (nothing else running in the process)."""
    engine = get_engine(settings)
    for path in inputs:
        data = path.read_bytes()

        def whole():
            analysis = analyze_photo(data, settings)
            started = time.perf_counter()
            write_views(analysis.views, out)
            return analysis, time.perf_counter() - started

        (analysis, write_s), wall, cpu = timed(whole)
        for stage in ("decode", "pose", "mask", "views"):
            results[stage].append(analysis.seconds[stage])
        results["write"].append(write_s)
        results["total"].append(wall)
        results["cpu"].append(cpu)
        _, wall, cpu = timed(lambda: engine.estimate(pose_copies[path]))
        results["pose_alone"].append(wall)
        results["pose_alone_cpu"].append(cpu)


def prepare(inputs: list[Path], settings: Settings, out: Path) -> tuple[dict, dict]:
    """One warm-up pass: loads the models; returns the view boxes that sharp and the Pillow floor cut, and each
    photo's pose copy (also saved for mediapipe)."""
    boxes, pose_copies = {}, {}
    for path in inputs:
        data = path.read_bytes()
        boxes[path] = [view.box for view in analyze_photo(data, settings).views]
        decoded = decode_image(data, max_pixels=settings.max_image_pixels)
        _ = decoded.image  # the full-size decode runs on a thread: let it finish before anything is timed
        pose_copies[path] = decoded.pose_image
        decoded.pose_image.save(out / f"{path.stem}-pose.png")
    return boxes, pose_copies


def floor_round(inputs: list[Path], boxes: dict, settings: Settings, out: Path, results: dict) -> None:
    """Pillow decode of the full JPEG + the same views cropped, encoded (same code and threads) and written."""
    for path in inputs:
        data = path.read_bytes()
        plans = [ViewBox(f"v{i}", "", box, False) for i, box in enumerate(boxes[path])]

        def floor():
            image = Image.open(io.BytesIO(data))
            image.load()  # the test photos are RGB JPEGs: no conversion, no copy
            write_views(render_views(image, plans, fmt=settings.view_format, quality=settings.view_quality), out)

        _, wall, cpu = timed(floor)
        results["wall"].append(wall)
        results["cpu"].append(cpu)


def mediapipe_round(python: Path, inputs: list[Path], out: Path, results: dict) -> str | None:
    """One run of each photo through mediapipe (after its own warm-up); the reason when it cannot run."""
    if not python.exists():
        return f"not measured: {python} missing (python -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21)"
    pairs = [f"{path}:{out / f'{path.stem}-pose.png'}" for path in inputs]
    done = subprocess.run([python, HERE / "mediapipe_pose.py", "1", *pairs], capture_output=True, text=True)
    if done.returncode != 0:
        return f"not measured: mediapipe_pose.py failed: {done.stderr.strip()[-500:]}"
    for photo in json.loads(done.stdout).values():
        if not photo["found"]:
            return "not comparable: mediapipe found no person on a benchmark photo"
        for key in ("decode", "pose_full", "pose_small"):
            results[key].extend(photo[key])
    return None


def sharp_round(modules: Path, inputs: list[Path], boxes: dict, out: Path, results: dict) -> str | None:
    """One run of each photo's crops + encodes through sharp (after its own warm-up)."""
    if not (modules / "sharp").exists():
        return f"not measured: {modules}/sharp missing (mkdir /tmp/sharpbench && cd /tmp/sharpbench && npm install sharp@0.35)"
    photos = []
    for path in inputs:
        with Image.open(path) as im:
            photos.append({"path": str(path), "width": im.width, "height": im.height, "boxes": boxes[path]})
    job = out / "sharp-job.json"
    job.write_text(json.dumps({"reps": 1, "out_dir": str(out), "photos": photos}))
    env = {**os.environ, "NODE_PATH": str(modules)}
    done = subprocess.run(["node", HERE / "sharp_views.mjs", job], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return f"not measured: sharp_views.mjs failed: {done.stderr.strip()[-500:]}"
    for photo in json.loads(done.stdout).values():
        results["wall"].extend(wall for wall, _ in photo)
        results["cpu"].extend(cpu for _, cpu in photo)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs of every photo through every contender")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "posecraft-bench"), help="inputs and outputs")
    parser.add_argument("--mediapipe-python", default="/tmp/mpvenv/bin/python")
    parser.add_argument("--sharp-modules", default="/tmp/sharpbench/node_modules")
    args = parser.parse_args()

    work = Path(args.work)
    out = work / "out"
    out.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env()
    inputs = make_inputs(work)
    sizes = []
    for path in inputs:
        with Image.open(path) as im:
            sizes.append(f"{im.width}x{im.height}")

    boxes, pose_copies = prepare(inputs, settings, out)
    ours = {
        key: [] for key in ("decode", "pose", "mask", "views", "write", "total", "cpu", "pose_alone", "pose_alone_cpu")
    }
    floor = {"wall": [], "cpu": []}
    mediapipe = {"decode": [], "pose_full": [], "pose_small": []}
    sharp = {"wall": [], "cpu": []}
    loads = []
    # Rounds interleave the contenders, so that a busy spell on the shared machine falls on all of them.
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        posecraft_round(inputs, pose_copies, settings, out, ours)
        floor_round(inputs, boxes, settings, out, floor)
        mediapipe_missing = mediapipe_round(Path(args.mediapipe_python), inputs, out, mediapipe)
        sharp_missing = sharp_round(Path(args.sharp_modules), inputs, boxes, out, sharp)

    views_per_photo = statistics.mean(len(b) for b in boxes.values())
    print(f"PoseCraft pose benchmark  {time.strftime('%Y-%m-%d %H:%M %Z')}  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, 1-min load average {min(loads):.2f}-{max(loads):.2f} during the rounds")
    print(f"inputs: {len(inputs)} photos ({', '.join(sizes)}), JPEG q92, {args.rounds} rounds after a warm-up; "
          f"model {settings.pose_model}, runtime {settings.pose_runtime}, {settings.pose_threads} threads; "
          f"{views_per_photo:.1f} views per photo, {settings.view_format} q{settings.view_quality}")
    print()
    print("PoseCraft, per photo (median ms)")
    for stage, label in [("decode", "decode (pose copy + full size)"), ("pose", "pose (on the pose copy)"),
                         ("mask", "person mask (on-white boxes)"), ("views", "crop + encode views"),
                         ("write", "write view files"), ("total", "total (wall)"), ("cpu", "CPU time, all threads")]:
        print(f"  {label:34s} {median_ms(ours[stage]):8.1f}")
    total_ms, cpu_ms = median_ms(ours["total"]), median_ms(ours["cpu"])
    print(f"  {'images/s, one stream (wall)':34s} {1000 / total_ms:8.2f}")
    print(f"  {'images/s per core (1 / CPU s)':34s} {1000 / cpu_ms:8.2f}")
    pose_ms = median_ms(ours["pose_alone"])
    print(f"  {'pose alone on the pose copy':34s} {pose_ms:8.1f}  (CPU {median_ms(ours['pose_alone_cpu']):.1f})")
    print()
    print("Comparisons (median ms per photo)")
    floor_ms = median_ms(floor["wall"])
    print(f"  (c) Pillow floor: decode + same views, no pose   {floor_ms:8.1f}  (CPU {median_ms(floor['cpu']):.1f})")
    if sharp_missing:
        print(f"  (b) sharp 0.35: {sharp_missing}")
    else:
        sharp_ms = median_ms(sharp["wall"])
        print(f"  (b) sharp 0.35: same crops + encodes, no decode  {sharp_ms:8.1f}  (CPU {median_ms(sharp['cpu']):.1f})")
    if mediapipe_missing:
        print(f"  (a) mediapipe 0.10.21: {mediapipe_missing}")
    else:
        mp_full = median_ms([w for w, _ in mediapipe["pose_full"]])
        mp_small = median_ms([w for w, _ in mediapipe["pose_small"]])
        mp_decode = median_ms([w for w, _ in mediapipe["decode"]])
        print(f"  (a) mediapipe 0.10.21 pose on the 12 MP array    {mp_full:8.1f}  (CPU {median_ms([c for _, c in mediapipe['pose_full']]):.1f})")
        print(f"      mediapipe pose on the same pose copy         {mp_small:8.1f}  (CPU {median_ms([c for _, c in mediapipe['pose_small']]):.1f})")
        print(f"      its input: Pillow full decode to an array    {mp_decode:8.1f}")
    print()
    print("Ratios (below 1.0 = PoseCraft faster)")
    print(f"  PoseCraft total / Pillow floor                      {total_ms / floor_ms:6.2f}")
    if not sharp_missing:
        print(f"  PoseCraft total / sharp crops+encodes (target <= 1) {total_ms / sharp_ms:6.2f}")
    if not mediapipe_missing:
        print(f"  PoseCraft pose stage / mediapipe pose on 12 MP (target <= 1)   {median_ms(ours['pose']) / mp_full:6.2f}")
        print(f"  PoseCraft pose alone / mediapipe pose, same pose copy         {pose_ms / mp_small:6.2f}")
        print(f"  PoseCraft total / mediapipe decode + pose (no views)          {total_ms / (mp_decode + mp_full):6.2f}")


if __name__ == "__main__":
    main()
