"""The whole per-photo work, stage by stage, of two checkouts of PoseCraft on the same 12 MP JPEGs: a script that
prints numbers, not a test.

    git archive <commit> | tar -x -C /tmp/before          # the code to compare with
    .venv/bin/python benchmarks/bench_before_after.py /tmp/before [--iterations 8] [--rounds 2]

Each side runs `analyze_photo` in its own child process (PYTHONPATH = that checkout's shared/, this checkout's
models), one warm-up per photo, then `--rounds` runs of every photo; the sides alternate, the order swapped every
iteration, so that a busy spell on a shared machine falls on both. Inputs: bench_pose.py's (made there if missing,
in --work). Per photo and side, medians of wall time, CPU time (all threads) and the pipeline's own stages.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import json, sys, time
from pathlib import Path
from posecraft.config import Settings
from posecraft.pipeline import analyze_photo
from posecraft.pose.engine import get_engine
settings = Settings.from_env()
get_engine(settings)
photos = {path.stem: path.read_bytes() for path in map(Path, sys.argv[2:])}
for data in photos.values():
    analyze_photo(data, settings)
runs = {name: [] for name in photos}
for _ in range(int(sys.argv[1])):
    for name, data in photos.items():
        wall, cpu = time.perf_counter(), time.process_time()
        analysis = analyze_photo(data, settings)
        runs[name].append({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                           "view_count": len(analysis.views), **analysis.seconds})
print(json.dumps(runs))
"""
STAGES = ["wall", "cpu", "decode", "pose", "mask", "views"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="a checkout (or `git archive` of one) to compare this one with")
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="runs of every photo per child process")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "posecraft-bench"))
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from bench_pose import make_inputs

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    inputs = [str(path) for path in make_inputs(work)]
    sides = {"before": Path(args.before) / "shared", "after": HERE.parent / "shared"}
    results: dict[str, dict[str, list[dict]]] = {side: {} for side in sides}
    loads = []
    for iteration in range(args.iterations):
        for side in (list(sides) if iteration % 2 == 0 else list(sides)[::-1]):
            loads.append(os.getloadavg()[0])
            env = {**os.environ, "PYTHONPATH": str(sides[side]), "MODELS_DIR": str(HERE.parent / "models")}
            done = subprocess.run([sys.executable, "-c", CHILD, str(args.rounds), *inputs],
                                  capture_output=True, text=True, env=env)
            if done.returncode:
                sys.exit(f"{side}: {done.stderr.strip()[-2000:]}")
            for name, runs in json.loads(done.stdout).items():
                results[side].setdefault(name, []).extend(runs)

    print(f"1-min load average {min(loads):.2f}-{max(loads):.2f}; {args.iterations} x {args.rounds} runs per photo "
          f"and side; {os.cpu_count()} cores")
    print(f"{'photo':<20} {'side':<7} {'views':>5} " + " ".join(f"{stage:>7}" for stage in STAGES) + "  (median ms)")
    sums = {side: {"wall": 0.0, "cpu": 0.0} for side in sides}
    for name in results["before"]:
        for side in sides:
            runs = results[side][name]
            median = {stage: statistics.median(run.get(stage, 0.0) for run in runs) * 1000 for stage in STAGES}
            sums[side]["wall"] += median["wall"]
            sums[side]["cpu"] += median["cpu"]
            print(f"{name:<20} {side:<7} {runs[0]['view_count']:>5} " + " ".join(f"{median[s]:7.1f}" for s in STAGES))
    for measure in ("wall", "cpu"):
        before, after = sums["before"][measure], sums["after"][measure]
        print(f"sum of the photos' medians, {measure}: before {before:.0f} ms, after {after:.0f} ms "
              f"({100 * (after / before - 1):+.1f} %)")


if __name__ == "__main__":
    main()
