"""Load through nginx on the real stack: a few hundred images submitted by several pages at once, each page polling
its pending ids as web/src/useImages.ts does, until every accepted image is processed or failed. A script that
prints numbers, not a test.

    .venv/bin/python benchmarks/load.py [--workers 1] [--urls 300] [--batch 20] [--uploads 30] [--pages 3]

It starts its own stack on free ports in a temporary folder (posecraft.devstack, as the tests do; the pose worker
as `python -m pose_worker --processes N`) plus the tests' local origin serving tests/photos (allowed to be fetched
through FETCH_ALLOWED_HOSTS). Each page submits, one request after another, its share of the URL batches
(POST /api/process-batch: the same photos under distinct query strings) and of the uploads (POST /api/process:
a photo with distinct bytes after its end marker, so a new file each time), and every --poll seconds asks
GET /api/image-status?ids= for all its pending ids (200 per request).

It prints: submit throughput; p50/p99 latency of batch, upload and status requests; errors by status code; images
processed per second end to end (first submit to last record update); the worker's own counters; the final count
of records by status in MongoDB, which must equal the number of images accepted (OK or MISMATCH); and the load
average of the machine before and during the run (other programs share the cores).
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import requests
from bench_api import percentiles
from bench_submit_to_processed import BATCH_PHOTOS, PHOTOS
from prometheus_client.parser import text_string_to_metric_families

from posecraft.config import Settings
from posecraft.devstack import DevStack, ManagedProcess, Ports
from posecraft.devstack.probes import http_status, port_open
from posecraft.stores.images import ImageRepository

sys.path.insert(0, str(PHOTOS.parent))
from support.origin import LocalOrigin  # noqa: E402  (the tests' origin: one local web site, not a second one)

UPLOAD_PHOTOS = ("bus.jpg", "messi5.jpg", "grace_hopper.jpg")
IDS_PER_STATUS_REQUEST = 200  # the page's chunk (web/src/api.ts) and the status service's limit


class Recorder:
    """Latencies and answers of every request, from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[tuple[str, str]] = Counter()

    def call(self, kind: str, http: requests.Session, method: str, url: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = http.request(method, url, timeout=60, **kwargs)
        except requests.RequestException as error:
            with self.lock:
                self.errors[kind, f"no answer ({type(error).__name__})"] += 1
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            if response.status_code not in (200, 202):
                self.errors[kind, str(response.status_code)] += 1
        return response


class Page:
    """One browser page: submits its batches and uploads one after another; a second thread polls its pending ids
    every `poll` seconds, all of them in requests of 200 ids."""

    def __init__(self, base_url: str, recorder: Recorder, poll: float):
        self.base_url = base_url
        self.recorder = recorder
        self.poll = poll
        self.pending: set[int] = set()
        self.final: dict[int, dict] = {}  # id -> its record once processed or failed
        self.accepted: list[dict] = []  # every item of every 202
        self.submitting = True
        self.lock = threading.Lock()

    def submit(self, requests_to_send: list[tuple[str, object]]) -> None:
        http = requests.Session()
        for kind, payload in requests_to_send:
            if kind == "batch":
                answer = self.recorder.call("batch", http, "POST", f"{self.base_url}/api/process-batch",
                                            json={"imageUrls": payload})
                items = answer.json()["items"] if answer is not None and answer.status_code == 202 else []
            else:
                answer = self.recorder.call("upload", http, "POST", f"{self.base_url}/api/process",
                                            files={"file": ("photo.jpg", payload, "image/jpeg")})
                items = [answer.json()] if answer is not None and answer.status_code == 202 else []
            with self.lock:
                self.accepted += items
                self.pending.update(item["id"] for item in items if item["id"] not in self.final)
        self.submitting = False

    def watch(self, deadline: float) -> None:
        http = requests.Session()
        while (self.submitting or self.pending) and time.monotonic() < deadline:
            time.sleep(self.poll)
            with self.lock:
                ids = sorted(self.pending)
            for start in range(0, len(ids), IDS_PER_STATUS_REQUEST):
                chunk = ids[start:start + IDS_PER_STATUS_REQUEST]
                answer = self.recorder.call("status", http, "GET", f"{self.base_url}/api/image-status",
                                            params={"ids": ",".join(map(str, chunk))})
                if answer is None or answer.status_code != 200:
                    continue
                with self.lock:
                    for record in answer.json()["items"]:
                        if record["status"] != "pending":
                            self.final[record["id"]] = record
                            self.pending.discard(record["id"])


def upload_bytes(run: str, n: int) -> bytes:
    # Bytes after the JPEG end marker: a new file (a new S3 key, a new record) with the same pixels.
    photo = (PHOTOS / UPLOAD_PHOTOS[n % len(UPLOAD_PHOTOS)]).read_bytes()
    return photo + f"load-{run}-{n}".encode()


def work_for_pages(origin: LocalOrigin, run: str, args) -> list[list[tuple[str, object]]]:
    """Each page's requests: batches and uploads interleaved, the pages taking turns."""
    urls = [f"{origin.photo_url(BATCH_PHOTOS[i % len(BATCH_PHOTOS)])}?load={run}&n={i}" for i in range(args.urls)]
    batches = [("batch", urls[i:i + args.batch]) for i in range(0, len(urls), args.batch)]
    uploads = [("upload", upload_bytes(run, n)) for n in range(args.uploads)]
    # Spread evenly: each request at its fraction of its own list, the uploads half a step after the batches.
    mixed = [request for _, request in sorted(
        [(i / len(batches), batch) for i, batch in enumerate(batches)]
        + [((n + 0.5) / len(uploads), upload) for n, upload in enumerate(uploads)], key=lambda pair: pair[0])]
    return [mixed[p::args.pages] for p in range(args.pages)]


def free_port_block(count: int) -> int:
    """A port p such that p .. p+count-1 are free (process i of `--processes N` serves its metrics on p+i)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        if base + count < 65536 and not any(port_open(base + i) for i in range(count)):
            return base


def worker_metrics(ports: list[int]) -> tuple[Counter, dict[str, tuple[float, float]]]:
    """Jobs by outcome and (seconds, count) by stage, summed over the worker processes."""
    jobs, stages = Counter(), defaultdict(lambda: [0.0, 0.0])
    for port in ports:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "posecraft_jobs_total":
                    jobs[sample.labels["outcome"]] += int(sample.value)
                elif sample.name == "posecraft_job_stage_seconds_sum":
                    stages[sample.labels["stage"]][0] += sample.value
                elif sample.name == "posecraft_job_stage_seconds_count":
                    stages[sample.labels["stage"]][1] += sample.value
    return jobs, {stage: tuple(v) for stage, v in stages.items()}


class LoadSampler(threading.Thread):
    """The machine's 1-minute load average, once a second."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(1.0):
            self.samples.append(os.getloadavg()[0])


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU seconds of this script and of every process of its stack (each waited for by its parent)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1, help="pose worker processes (default 1)")
    parser.add_argument("--urls", type=int, default=300, help="distinct image URLs, sent in batches (default 300)")
    parser.add_argument("--batch", type=int, default=20, help="URLs per POST /api/process-batch (default 20)")
    parser.add_argument("--uploads", type=int, default=30, help="uploads, each a new file (default 30)")
    parser.add_argument("--pages", type=int, default=3, help="pages submitting and polling at once (default 3)")
    parser.add_argument("--poll", type=float, default=2.0, help="seconds between a page's polls (default 2, "
                                                                 "as the page)")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="per service (default 2, as make up)")
    parser.add_argument("--timeout", type=float, default=240, help="give up waiting after this many seconds")
    args = parser.parse_args()

    load_before = os.getloadavg()
    busy_before, wall_before = machine_busy_seconds(), time.monotonic()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  cpus {os.cpu_count()}  load average before starting "
          f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} (1/5/15 min)")
    origin = LocalOrigin(PHOTOS).start()
    folder = Path(tempfile.mkdtemp(prefix="load-"))
    metrics_base = free_port_block(args.workers)
    settings = Settings.from_env({}, fetch_allowed_hosts=(origin.host,), fetch_allowed_ports=(str(origin.port),),
                                 worker_metrics_port=metrics_base)
    stack = DevStack(settings, run_dir=folder / "run", data_dir=folder / "data", ports=Ports.free(),
                     gunicorn_workers=args.gunicorn_workers)
    metrics_ports = [metrics_base + i for i in range(args.workers)]
    try:
        stack.start_backing()
        for name in ("ingest", "status", "nginx"):
            stack.start(name)
        # The worker as `--processes N`; ready once every process serves its metrics, which it starts only after
        # loading the pose models, so the clock below does not count model loading.
        stack.processes["worker"] = ManagedProcess(
            "worker", [sys.executable, "-m", "pose_worker", "--processes", str(args.workers)], stack.env(),
            stack.run_dir / "worker.log",
            lambda: all(http_status(f"http://127.0.0.1:{port}/metrics") == 200 for port in metrics_ports))
        stack.start("worker")
        print(f"stack in {folder}: nginx {stack.base_url}, {args.gunicorn_workers} gunicorn workers x 4 threads "
              f"per service, {args.workers} pose worker process(es), POSE_THREADS={settings.pose_threads}")

        run = uuid.uuid4().hex[:8]
        recorder = Recorder()
        pages = [Page(stack.base_url, recorder, args.poll) for _ in range(args.pages)]
        work = work_for_pages(origin, run, args)
        sampler = LoadSampler()
        sampler.start()
        started = time.monotonic()
        deadline = started + args.timeout
        submitters = [threading.Thread(target=page.submit, args=(share,)) for page, share in zip(pages, work, strict=False)]
        watchers = [threading.Thread(target=page.watch, args=(deadline,)) for page in pages]
        for thread in submitters + watchers:
            thread.start()
        for thread in submitters:
            thread.join()
        submitted = time.monotonic()
        for thread in watchers:
            thread.join()
        finished = time.monotonic()
        sampler.stopped.set()

        accepted = [item for page in pages for item in page.accepted]
        accepted_ids = {item["id"] for item in accepted}
        final = {i: record for page in pages for i, record in page.final.items()}
        still_pending = accepted_ids - set(final)

        repository = ImageRepository.from_settings(stack.settings)
        counts = repository.count_by_status()
        # Submitting what is already there again: every item a duplicate, no new record.
        first_batch = next(payload for kind, payload in work[0] if kind == "batch")
        again = requests.post(f"{stack.base_url}/api/process-batch", json={"imageUrls": first_batch}, timeout=60)
        records_after_again = repository.count()
        jobs, stages = worker_metrics(metrics_ports)
    finally:
        stack.stop_all()
        origin.stop()

    wall = time.monotonic() - wall_before
    others = machine_busy_seconds() - busy_before - own_cpu_seconds()
    requests_sent = sum(len(share) for share in work)
    print(f"\nsubmitted: {args.urls} URLs in {len(range(0, args.urls, args.batch))} batches of {args.batch} + "
          f"{args.uploads} uploads = {requests_sent} requests from {args.pages} pages")
    print(f"accepted: {len(accepted_ids)} images ({sum(not i['duplicate'] for i in accepted)} new) in "
          f"{submitted - started:.1f} s = {len(accepted_ids) / (submitted - started):.1f} images/s submitted")
    for kind in ("batch", "upload", "status"):
        samples = recorder.latencies[kind]
        if samples:
            print(f"  {kind:<7} {len(samples):5d} requests  {percentiles(samples)}")
    errors = ", ".join(f"{kind} {code}: {n}" for (kind, code), n in sorted(recorder.errors.items())) or "none"
    print(f"errors: {errors}")
    if final:
        first = min(parse_time(r["createdAt"]) for r in final.values())
        last = max(parse_time(r["updatedAt"]) for r in final.values())
        span = (last - first).total_seconds()
        done = Counter(r["status"] for r in final.values())
        print(f"end to end: {len(final)} records finished in {span:.1f} s (first created to last updated) = "
              f"{len(final) / span:.2f} images/s; {dict(done)}; the pages saw the last one after "
              f"{finished - started:.1f} s")
    print(f"worker: jobs {dict(jobs)}; mean seconds per try by stage: "
          + ", ".join(f"{stage} {total / n:.3f}" for stage, (total, n) in sorted(stages.items()) if n))
    duplicates = sum(item["duplicate"] for item in again.json().get("items", []))
    print(f"the first batch submitted again: {again.status_code}, {duplicates}/{len(first_batch)} duplicates, "
          f"records {sum(counts.values())} -> {records_after_again}")
    load = sampler.samples or [os.getloadavg()[0]]
    print(f"load average (1 min) during the run: min {min(load):.2f}, mean {statistics.mean(load):.2f}, "
          f"max {max(load):.2f}")
    print(f"CPU from start to stop ({wall:.0f} s wall, {os.cpu_count()} cores): this run {own_cpu_seconds():.0f} s, "
          f"other programs {max(others, 0):.0f} s")
    total = sum(counts.values())
    ok = total == len(accepted_ids) == records_after_again and counts["pending"] == 0 and not still_pending
    print(f"records by status in MongoDB: {counts}; total {total}, accepted {len(accepted_ids)}: "
          f"{'OK' if ok else 'MISMATCH'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
