"""Damaged copies of real photos (truncated, bits flipped, header bytes overwritten) through the real worker:
each ends processed or failed with a reason a person can act on, and the worker keeps taking jobs."""
from __future__ import annotations

import dataclasses
import hashlib
import random
import threading
import time
import uuid

from support.images import PHOTOS

from pose_worker.worker import Worker
from posecraft.stores.images import ImageRepository, NewImage
from posecraft.stores.queue import Job, JobQueue
from posecraft.stores.storage import Storage, upload_key


def mutations(data: bytes, rng: random.Random) -> list[bytes]:
    out = []
    for fraction in (0.02, 0.3, 0.7, 0.97):
        out.append(data[: int(len(data) * fraction)])
    for flips in (1, 10, 200):
        damaged = bytearray(data)
        for _ in range(flips):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        out.append(bytes(damaged))
    header = bytearray(data)
    header[rng.randrange(4, 64): rng.randrange(64, 256)] = b"\xff" * 40
    out.append(bytes(header))
    return out


def test_damaged_photos_each_end_with_an_outcome_and_the_worker_keeps_running(settings):
    run = uuid.uuid4().hex[:10]
    worker_settings = dataclasses.replace(settings, mongo_db=f"mutated_{run}", queue_name=f"mutated.{run}",
                                          s3_bucket=f"mutated-{run}", job_retry_delay=0.1)
    repository = ImageRepository.from_settings(worker_settings)
    storage = Storage.from_settings(worker_settings)
    storage.ensure_bucket()
    queue = JobQueue.from_settings(worker_settings)
    rng = random.Random(20261128)
    ids = []
    for name in ("bus.jpg", "astronaut.png", "basketball1.png"):
        for data in mutations((PHOTOS / name).read_bytes(), rng):
            digest = hashlib.sha256(data).hexdigest()
            key = upload_key(digest, name.rsplit(".", 1)[1])
            storage.put(key, data, "application/octet-stream")
            record, _ = repository.submit(NewImage.for_upload(digest, key))
            queue.publish(Job(record.id))
            ids.append(record.id)

    worker = Worker.from_settings(worker_settings)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while any(r.status == "pending" for r in repository.get_many(ids)):
            assert time.monotonic() < deadline, "damaged photos still pending after 120 s"
            time.sleep(0.2)
        assert thread.is_alive()
    finally:
        worker.stop()
        thread.join(10)

    records = repository.get_many(ids)
    failed = [r for r in records if r.status == "failed"]
    assert failed, "some of these copies cannot decode: they must fail"
    for record in failed:
        assert record.error and "internal error" not in record.error, record.error
    for record in records:
        if record.status == "processed":
            assert record.shots or record.skipped
