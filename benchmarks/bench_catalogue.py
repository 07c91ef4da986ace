"""The shared catalogue at size: the list endpoint, the page in Chromium, and how many event streams one
status-service process holds. Prints numbers, asserts nothing.

    .venv/bin/python benchmarks/bench_catalogue.py list --records 10000 100000 [--requests 20]
    .venv/bin/python benchmarks/bench_catalogue.py page --records 10000 [--loads 10]
    .venv/bin/python benchmarks/bench_catalogue.py streams --worker-class gevent [--streams 10 100 250 480]

Starts its own stack on free ports in a temporary folder (no pose worker). Seeded records are processed images
whose five views (and original) are one real set of objects in S3, so the page shows real thumbnails. MongoDB here
is SecantusDB: it answers a query by materialising every candidate document before sorting and limiting
(secantus/storage.py find_matching), so a page costs time in proportion to the records, where mongod walks the
index and stops after `limit`.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from pymongo import MongoClient

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports, http_status
from posecraft.records import Record, Shot, Source, Status
from posecraft.stores.images import ImageRepository
from posecraft.stores.storage import Storage

REPO = Path(__file__).resolve().parents[1]
LABELS = ("neck", "sleeve", "zoom", "waist", "length")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:8.1f} ms  p99 {p99 * 1000:8.1f} ms  (n={len(ordered)})"


def stack(folder: Path, start_apps: bool = True) -> DevStack:
    settings = Settings.from_env({})
    dev = DevStack(settings, run_dir=folder / "run", data_dir=folder / "data", ports=Ports.free(), gunicorn_workers=2)
    dev.start_backing()
    if start_apps:  # as start_apps() does, without the pose worker
        dev.settings = dataclasses.replace(dev.settings, s3_public_url=f"{dev.base_url}/media")
        for name in ("ingest", "status", "nginx"):
            dev.start(name)
    return dev


def one_set_of_views(settings: Settings) -> tuple[str, tuple[Shot, ...]]:
    """A real processed photo's objects in S3 (views cut once by the pipeline), for every seeded record to name."""
    from posecraft.pipeline import analyze_photo

    storage = Storage.from_settings(settings)
    storage.ensure_bucket()
    data = (REPO / "tests" / "photos" / "messi5.jpg").read_bytes()
    storage.put("uploads/seed.jpg", data, "image/jpeg")
    shots = []
    for view in analyze_photo(data, settings).views:
        key = f"views/seed/{view.label}.jpg"
        storage.put(key, view.data, view.content_type)
        shots.append(Shot(view.label, view.title, key, view.width, view.height, view.box, view.low_resolution))
    return "uploads/seed.jpg", tuple(shots)


def seed(settings: Settings, count: int, start: int = 1) -> None:
    repository = ImageRepository.from_settings(settings)
    repository.ensure_prepared()
    key, shots = one_set_of_views(settings)
    client = MongoClient(settings.mongo_url, directConnection=True)
    images = client[settings.mongo_db]["images"]
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    batch = []
    for image_id in range(start, start + count):
        status = Status.FAILED if image_id % 50 == 0 else Status.PENDING if image_id % 97 == 0 else Status.PROCESSED
        record = Record.new(image_id, f"sha256:{image_id:064x}", Source.UPLOAD, now, key=key,
                            name=f"look-{image_id:06d}.jpg").replace(status=status)
        if status is Status.PROCESSED:
            record = record.replace(shots=shots, people=1)
        elif status is Status.FAILED:
            record = record.replace(error="no person found in the image")
        batch.append(record.to_doc())
        if len(batch) == 1000:
            images.insert_many(batch)
            batch = []
    if batch:
        images.insert_many(batch)
    client[settings.mongo_db]["counters"].update_one({"_id": "images"}, {"$max": {"seq": start + count - 1}},
                                                     upsert=True)
    print(f"seeded {count} records in {time.perf_counter() - started:.1f} s", flush=True)
    client.close()
    repository.close()


def time_requests(label: str, url: str, count: int) -> None:
    session = requests.Session()
    session.get(url, timeout=300)  # warm: the first answer prepares the repository
    samples, failures = [], []
    for _ in range(count):
        started = time.perf_counter()
        answer = session.get(url, timeout=300)
        samples.append(time.perf_counter() - started)
        if answer.status_code != 200:
            failures.append(f"{answer.status_code} {answer.json().get('error')}")
    failed = f"; {len(failures)} failed, e.g. {failures[0]}" if failures else ""
    print(f"  {label:<46} {percentiles(samples)}{failed}", flush=True)


def time_calls(label: str, call, count: int) -> None:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    print(f"  {label:<46} {percentiles(samples)}", flush=True)


def bench_list(records: list[int], count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dev = stack(Path(folder))
        repository = ImageRepository.from_settings(dev.settings)
        try:
            seeded = 0
            for total in sorted(records):
                seed(dev.settings, total - seeded, start=seeded + 1)
                seeded = total
                base = f"{dev.base_url}/api/images"
                print(f"GET /api/images through nginx, {total} records (SecantusDB):")
                time_requests("first page (limit=50)", f"{base}?limit=50", count)
                time_requests("a page in the middle (cursor)", f"{base}?limit=50&cursor={total // 2}", count)
                time_requests("status=failed (2 %)", f"{base}?limit=50&status=failed", count)
                time_requests("q=look-0012 (search, 10 matches)", f"{base}?limit=50&q=look-0012", max(3, count // 4))
                time_requests("GET /api/image-status/<id> (for scale)", f"{dev.base_url}/api/image-status/7", count)
                print("  its parts, called in Python:")
                time_calls("repository.page(50)", lambda: repository.page(50), count)
                time_calls("repository.page(50, cursor=middle)", lambda: repository.page(50, total // 2), count)
                time_calls("repository.page(50, status=failed)", lambda: repository.page(50, None, Status.FAILED), count)
                try:
                    time_calls("repository.count_by_status()", repository.count_by_status, max(3, count // 4))
                except Exception as error:  # the benchmark reports what SecantusDB could not do
                    print(f"  {'repository.count_by_status()':<46} failed: {error}", flush=True)
        finally:
            repository.close()
            dev.stop_all()


def bench_page(records: int, loads: int) -> None:
    from playwright.sync_api import sync_playwright

    sys.path[:0] = [str(REPO / "tests" / "e2e"), str(REPO / "tests")]
    from conftest import CHROMIUM, CHROMIUM_ARGS  # the flags that work here

    with tempfile.TemporaryDirectory() as folder:
        dev = stack(Path(folder))
        try:
            seed(dev.settings, records)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                samples, scrolls, lists, counted, in_browser = [], [], [], [], []
                for _ in range(loads):
                    context = browser.new_context(viewport={"width": 1366, "height": 860})
                    page = context.new_page()
                    # In the browser's own clock: when the first processed row is in the document.
                    page.add_init_script("""new MutationObserver((_, observer) => {
                        if (document.querySelector("table.images tbody tr[data-status='processed']")) {
                            window.__rowsAt = performance.now(); observer.disconnect();
                        }
                    }).observe(document, {childList: true, subtree: true, attributes: true});""")
                    started = time.perf_counter()
                    page.goto(dev.base_url)
                    page.wait_for_selector("table.images tbody tr[data-status='processed']")
                    samples.append(time.perf_counter() - started)
                    in_browser.append(page.evaluate("window.__rowsAt") / 1000)
                    page.wait_for_function(f"document.querySelector('.filter select').textContent.includes('({records})')",
                                           timeout=60_000)
                    counted.append(time.perf_counter() - started)
                    # When the page asked for the list (ms after navigation started), and how long the answer took.
                    lists.append(page.evaluate("""() => {
                        const r = performance.getEntriesByType("resource").find(e => e.name.includes("/api/images?"));
                        return [r.startTime / 1000, (r.responseEnd - r.startTime) / 1000];
                    }"""))
                    page.wait_for_function("[...document.images].filter(i => i.getBoundingClientRect().top < innerHeight)"
                                           ".every(i => i.complete)", timeout=30_000)
                    # Scrolling: frames over 50 ms while the 50 rows scroll to the bottom and back.
                    long_frames = page.evaluate("""async () => {
                        const gaps = []; let last = performance.now(); let running = true;
                        const tick = (now) => { gaps.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
                        requestAnimationFrame(tick);
                        for (let y = 0; y < document.body.scrollHeight; y += 120) { scrollTo(0, y); await new Promise(r => setTimeout(r, 16)); }
                        scrollTo(0, 0); await new Promise(r => setTimeout(r, 100)); running = false;
                        return [gaps.length, gaps.filter(g => g > 50).length, Math.max(...gaps)];
                    }""")
                    scrolls.append(long_frames)
                    context.close()
                browser.close()
            print(f"the page with {records} records, Chromium, from navigation to the first processed row:")
            print(f"  {percentiles(samples)}  (min {min(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms)")
            print(f"  the same in the browser's clock (navigation start to the row in the DOM): {percentiles(in_browser)}")
            print(f"  the counts in the status filter: {percentiles(counted)}")
            print(f"  GET /api/images, as the browser timed it: asked at {percentiles([a for a, _ in lists])}; "
                  f"answered in {percentiles([d for _, d in lists])}")
            print(f"  load average (1, 5, 15 min) at the end: {os.getloadavg()}")
            print(f"  scrolling the 50 rows: frames, frames over 50 ms, longest frame ms: {scrolls}")
        finally:
            dev.stop_all()


class Streams:
    """`count` open GET /api/events connections, drained on one thread (selectors)."""

    def __init__(self, port: int, count: int):
        self.selector = selectors.DefaultSelector()
        self.received: dict[socket.socket, bytes] = {}
        self.lock = threading.Lock()
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(b"GET /api/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
            sock.setblocking(False)
            self.selector.register(sock, selectors.EVENT_READ)
            self.received[sock] = b""
        self.running = True
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while self.running:
            for key, _ in self.selector.select(0.2):
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                with self.lock:
                    self.received[key.fileobj] += data  # type: ignore[index]

    def count(self, marker: bytes) -> int:
        with self.lock:
            return sum(marker in data for data in self.received.values())

    def close(self) -> None:
        self.running = False
        self.thread.join()
        for sock in self.received:
            sock.close()


def bench_streams(worker_class: str, counts: list[int], threads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dev = stack(Path(folder), start_apps=False)
        settings = dev.settings
        seed(settings, 100)
        port = Ports.free().status
        worker = ["--worker-class", worker_class] + (["--threads", str(threads)] if worker_class == "gthread" else
                                                     ["--worker-connections", "1000"])
        argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", *worker,
                "--timeout", "60", "--no-control-socket", "status_service:create_app()"]
        env = {**dev.env(), "MAX_EVENT_STREAMS": "1000"}
        server = subprocess.Popen(argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while http_status(f"http://127.0.0.1:{port}/healthz") != 200:
                time.sleep(0.1)
            repository = ImageRepository.from_settings(settings)
            shape = f"{worker_class}" + (f" --threads {threads}" if worker_class == "gthread" else "")
            print(f"one status-service process (gunicorn {shape}), event streams held, other routes meanwhile:")
            for count in counts:
                streams = Streams(port, count)
                deadline = time.monotonic() + 30
                while streams.count(b": connected") < count and time.monotonic() < deadline:
                    time.sleep(0.1)
                opened = streams.count(b": connected")
                samples, timeouts = [], 0
                for image_id in range(1, 21):
                    started = time.perf_counter()
                    try:
                        requests.get(f"http://127.0.0.1:{port}/api/image-status/{image_id}", timeout=5)
                        samples.append(time.perf_counter() - started)
                    except requests.Timeout:
                        timeouts += 1
                marker = f'"id":{42}'.encode()
                started = time.perf_counter()
                repository.mark_failed(42, f"bench {count}")
                while streams.count(marker) < opened and time.perf_counter() - started < 30:
                    time.sleep(0.01)
                fanout = time.perf_counter() - started
                other = percentiles(samples) if samples else "no answer"
                print(f"  {count:4d} streams asked, {opened:4d} open; GET /api/image-status: {other}, "
                      f"{timeouts} of 20 over 5 s; one event reached {streams.count(marker)} streams in "
                      f"{fanout * 1000:.0f} ms", flush=True)
                streams.close()
                time.sleep(1.5)  # the server notices the closed sockets (it looks every second)
            repository.close()
        finally:
            server.terminate()
            server.wait(15)
            dev.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    list_parser = commands.add_parser("list")
    list_parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000])
    list_parser.add_argument("--requests", type=int, default=20)
    page_parser = commands.add_parser("page")
    page_parser.add_argument("--records", type=int, default=10_000)
    page_parser.add_argument("--loads", type=int, default=10)
    streams_parser = commands.add_parser("streams")
    streams_parser.add_argument("--worker-class", default="gevent", choices=["gevent", "gthread"])
    streams_parser.add_argument("--threads", type=int, default=4)
    streams_parser.add_argument("--streams", type=int, nargs="+", default=[10, 100, 250, 480])
    args = parser.parse_args()
    if args.command == "list":
        bench_list(args.records, args.requests)
    elif args.command == "page":
        bench_page(args.records, args.loads)
    else:
        bench_streams(args.worker_class, args.streams, args.threads)


if __name__ == "__main__":
    main()
