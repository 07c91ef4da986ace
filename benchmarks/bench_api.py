"""The two API services through nginx: latency and throughput of each endpoint. Prints numbers, asserts nothing.

    .venv/bin/python benchmarks/bench_api.py [--requests 300] [--clients 8] [--gunicorn-workers 2]

Starts its own stack on free ports in a temporary folder (Redis, SecantusDB, SeaweedFS, both services under
gunicorn, nginx) and no pose worker, so the numbers are the API's alone (jobs just wait in the queue). MongoDB here
is SecantusDB, which is much slower than mongod (NOTES.md: ~470 inserts/s): the submit numbers are bounded by it.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports

PHOTOS = Path(__file__).resolve().parents[1] / "tests" / "photos"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms"


def run(label: str, call, count: int, clients: int) -> None:
    """`count` calls of `call(i)` from `clients` threads; prints latency percentiles, rate and non-2xx answers."""
    latencies, failures = [], []
    lock = threading.Lock()
    session = threading.local()

    def one(i: int) -> None:
        if not hasattr(session, "http"):
            session.http = requests.Session()
        start = time.perf_counter()
        response = call(session.http, i)
        elapsed = time.perf_counter() - start
        with lock:
            latencies.append(elapsed)
            if response.status_code >= 300:
                failures.append(response.status_code)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    print(f"{label:<44} {count:5d} req  {clients:2d} clients  {percentiles(latencies)}  "
          f"{count / wall:7.1f} req/s  errors {len(failures)}")


def twelve_megapixel_jpeg() -> bytes:
    photo = Image.open(PHOTOS / "bus.jpg").convert("RGB").resize((3000, 4000), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()
    n, clients = args.requests, args.clients

    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    stack = DevStack(Settings.from_env({}), run_dir=folder / "run", data_dir=folder / "data", ports=Ports.free(),
                     gunicorn_workers=args.gunicorn_workers)
    try:
        stack.start_backing()
        for name in ("ingest", "status", "nginx"):
            stack.start(name)
        base = stack.base_url
        print(f"cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}  gunicorn workers {args.gunicorn_workers} "
              f"x 4 threads per service  through nginx at {base}")

        small = (PHOTOS / "bus.jpg").read_bytes()
        large = twelve_megapixel_jpeg()
        # Bytes after the JPEG end marker make each upload a new file (a new hash, a new record) with the same pixels.
        run(f"upload {len(small) // 1024} KB JPEG (new file each)", lambda s, i: s.post(
            f"{base}/api/process", files={"file": ("p.jpg", small + f"bench-small-{i}".encode())}), n // 3, clients)
        run(f"upload 12 MP JPEG, {len(large) / 1e6:.1f} MB (new file each)", lambda s, i: s.post(
            f"{base}/api/process", files={"file": ("p.jpg", large + f"bench-large-{i}".encode())}), 30, 2)
        run("upload the same file again (duplicate)", lambda s, i: s.post(
            f"{base}/api/process", files={"file": ("p.jpg", small + b"bench-small-0")}), n // 3, clients)
        run("imageUrl, new URL each", lambda s, i: s.post(
            f"{base}/api/process", json={"imageUrl": f"https://example.com/single/{i}.jpg"}), n, clients)
        run("imageUrl, already submitted (duplicate)", lambda s, i: s.post(
            f"{base}/api/process", json={"imageUrl": f"https://example.com/single/{i % 50}.jpg"}), n, clients)
        run("process-batch of 100 new URLs", lambda s, i: s.post(
            f"{base}/api/process-batch",
            json={"imageUrls": [f"https://example.com/batch/{i}/{j}.jpg" for j in range(100)]}), 10, 2)
        run("refused: ftp URL (400)", lambda s, i: s.post(
            f"{base}/api/process", json={"imageUrl": "ftp://example.com/a.jpg"}), n, clients)
        run("image-status/<id>", lambda s, i: s.get(f"{base}/api/image-status/{i % 200 + 1}"), n * 3, clients)
        ids = ",".join(str(i) for i in range(1, 201))
        run("image-status?ids= 200 ids", lambda s, i: s.get(f"{base}/api/image-status?ids={ids}"), n // 3, clients)
    finally:
        stack.stop_all()


if __name__ == "__main__":
    main()
