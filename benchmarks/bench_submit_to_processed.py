"""Submit to processed, through nginx, on the real stack: what a user waits for one photo, and how many photos a
second the worker gets through. A script that prints numbers, not a test.

    .venv/bin/python benchmarks/bench_submit_to_processed.py [--rounds 5] [--batch 40] [--workers 1 2]

It starts its own stack on free ports in a temporary folder (as the tests do) plus the tests' local origin
serving tests/photos, then:
- latency: one upload at a time (a unique re-encode of the photo, so never a duplicate), from the POST to the
  first status poll (every 20 ms) that says processed; for a 0.9 MP photo and a 12 MP one (bus.jpg enlarged);
- throughput: a batch of URLs of the local origin's photos, from the POST until every record is processed,
  once per worker-process count asked for.
"""
from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from PIL import Image

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "tests" / "photos"
sys.path.insert(0, str(ROOT / "tests"))
from support.origin import LocalOrigin  # noqa: E402  (the tests' origin: one local web site, not a second one)

BATCH_PHOTOS = ("bus.jpg", "messi5.jpg", "basketball1.png", "astronaut.png", "grace_hopper.jpg")


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, comment=uuid.uuid4().hex.encode())
    return out.getvalue()


def wait_processed(base_url: str, ids: list[int], poll: float) -> None:
    while True:
        answer = requests.get(f"{base_url}/api/image-status", params={"ids": ",".join(map(str, ids))}, timeout=30)
        statuses = [item["status"] for item in answer.json()["items"]]
        if "pending" not in statuses:
            failed = [item for item in answer.json()["items"] if item["status"] != "processed"]
            if failed:
                raise SystemExit(f"not processed: {failed[:3]}")
            return
        time.sleep(poll)


def latency(base_url: str, photo: Image.Image, rounds: int) -> list[float]:
    seconds = []
    for _ in range(rounds):
        data = jpeg(photo)
        started = time.perf_counter()
        answer = requests.post(f"{base_url}/api/process", files={"file": ("photo.jpg", data, "image/jpeg")},
                               timeout=60)
        answer.raise_for_status()
        wait_processed(base_url, [answer.json()["id"]], poll=0.02)
        seconds.append(time.perf_counter() - started)
    return seconds


def throughput(base_url: str, origin: LocalOrigin, count: int) -> float:
    run = uuid.uuid4().hex
    urls = [f"{origin.photo_url(BATCH_PHOTOS[i % len(BATCH_PHOTOS)])}?run={run}&n={i}" for i in range(count)]
    started = time.perf_counter()
    answer = requests.post(f"{base_url}/api/process-batch", json={"imageUrls": urls}, timeout=60)
    answer.raise_for_status()
    wait_processed(base_url, [item["id"] for item in answer.json()["items"]], poll=0.2)
    return count / (time.perf_counter() - started)


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.0f} ms, min {min(values) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms over {len(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    origin = LocalOrigin(PHOTOS).start()
    small = Image.open(PHOTOS / "bus.jpg").convert("RGB")
    large = small.resize((3000, 4000), Image.LANCZOS)  # 12 MP, the size of a catalogue photo
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings.from_env({}, fetch_allowed_hosts=(origin.host,), fetch_allowed_ports=(str(origin.port),))
        for workers in args.workers:
            stack = DevStack(settings, run_dir=Path(folder) / f"run{workers}", data_dir=Path(folder) / f"data{workers}",
                             ports=Ports.free())
            extra = None
            try:
                stack.start_all()
                if workers > 1:
                    # The stack runs one worker; `--processes` runs the others beside it on the same queue.
                    extra = subprocess.Popen([sys.executable, "-m", "pose_worker", "--processes", str(workers - 1)],
                                             env=stack.env(), stderr=subprocess.DEVNULL)
                time.sleep(2)  # the worker processes load their models
                if workers == args.workers[0]:
                    print(f"submit -> processed, 0.9 MP upload: {summary(latency(stack.base_url, small, args.rounds))}")
                    print(f"submit -> processed, 12 MP upload:  {summary(latency(stack.base_url, large, args.rounds))}")
                rate = throughput(stack.base_url, origin, args.batch)
                print(f"batch of {args.batch} URLs (0.2-0.9 MP photos), {workers} worker process(es): "
                      f"{rate:.1f} images/s")
            finally:
                if extra is not None:
                    extra.terminate()
                    extra.wait(30)
                stack.stop_all()
    origin.stop()


if __name__ == "__main__":
    main()
