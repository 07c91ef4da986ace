"""The worker's handling of failures, on the real Redis, MongoDB and S3: bounded retries for transient errors,
no retry for permanent ones, dead letters for malformed messages, waiting out a MongoDB or S3 outage, and
SIGTERM.

Each test runs its own worker on a database, queue and bucket of its own (the stack's worker never takes these
jobs, and these views never land beside the stack's),
in this process for the mechanics and as `python -m pose_worker` for the signal.
"""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
from support.messages import publish_body
from support.records import wait_until_done

from pose_worker.worker import Worker
from posecraft.config import Settings
from posecraft.stores.images import ImageRepository, NewImage
from posecraft.stores.queue import Job, JobQueue
from posecraft.stores.storage import Storage


@pytest.fixture
def worker_settings(settings) -> Settings:
    run = uuid.uuid4().hex[:10]
    own = dataclasses.replace(settings, mongo_db=f"worker_{run}", queue_name=f"worker.{run}", s3_bucket=f"worker-{run}",
                              job_max_attempts=3, job_retry_delay=0.2, fetch_read_timeout=1.0)
    Storage.from_settings(own).ensure_bucket()  # image ids restart at 1 here: views/<id>/ must not meet the stack's
    return own


@pytest.fixture
def repository(worker_settings):
    repository = ImageRepository.from_settings(worker_settings)
    repository.prepare()
    yield repository
    repository.close()


@pytest.fixture
def queue(worker_settings):
    queue = JobQueue.from_settings(worker_settings)
    yield queue
    queue.close()


@pytest.fixture
def running_worker(worker_settings):
    """A worker consuming in a thread of this process; stopped (as SIGTERM would) after the test."""
    worker = Worker.from_settings(worker_settings)
    # Prepared before it starts (migration, indexes): a test that stops MongoDB at once finds it consuming, not
    # still preparing (which it then waits to finish, the job untaken).
    worker.repository.ensure_prepared()
    thread = threading.Thread(target=worker.run, name="test-worker", daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(10)


def submit(repository, queue, url: str) -> int:
    """Record a URL and queue its job, as the ingest service does."""
    record, _ = repository.submit(NewImage.for_url(url))
    queue.publish(Job(record.id))
    return record.id




def test_a_transient_error_is_retried_a_bounded_number_of_times_then_failed_with_the_last_reason(
        local_origin, repository, queue, worker_settings, running_worker):
    before = local_origin.count("/status/503")

    record = wait_until_done(repository, submit(repository, queue, local_origin.url("status/503")))

    assert record.status == "failed"
    assert record.error == "the URL answered 503"
    assert record.attempts == worker_settings.job_max_attempts
    assert local_origin.count("/status/503") - before == worker_settings.job_max_attempts


def test_a_permanent_error_fails_at_once_without_a_retry(local_origin, repository, queue, running_worker):
    before = local_origin.count("/status/404")

    record = wait_until_done(repository, submit(repository, queue, local_origin.url("status/404")))

    assert (record.status, record.error, record.attempts) == ("failed", "the URL answered 404", 1)
    assert local_origin.count("/status/404") - before == 1


def test_a_malformed_message_goes_to_dead_letters_and_the_worker_carries_on(local_origin, repository, queue,
                                                                              running_worker, worker_settings):
    publish_body(queue, worker_settings.redis_url, {"image": "not a job"})
    queue.publish(Job(987654321))  # no such record
    image_id = submit(repository, queue, local_origin.url("html"))

    record = wait_until_done(repository, image_id)

    assert record.error == "not an image: got text/html"
    assert queue.dead_letter_depth() == 2
    assert queue.depth() == 0


def test_a_job_whose_deliveries_never_finish_is_failed_once_the_bound_is_reached(local_origin, repository, queue,
                                                                                  worker_settings, running_worker):
    # As if earlier workers had died during this job each time it was delivered (attempts counted, no outcome).
    record, _ = repository.submit(NewImage.for_url(local_origin.photo_url("bus.jpg")))
    for _ in range(worker_settings.job_max_attempts):
        repository.record_attempt(record.id)
    queue.publish(Job(record.id))

    done = wait_until_done(repository, record.id)

    assert done.status == "failed"
    assert done.error == f"gave up after {worker_settings.job_max_attempts} attempts: processing never finished"


def test_the_worker_waits_for_mongodb_and_records_the_outcome_when_it_returns(local_origin, backing_services,
                                                                              repository, queue, running_worker):
    record, _ = repository.submit(NewImage.for_url(local_origin.url("status/404")))
    backing_services.stop("mongo")
    try:
        queue.publish(Job(record.id))
        time.sleep(3)  # the worker has the job and cannot read its record
        assert queue.depth() == 0
    finally:
        backing_services.start("mongo")

    done = wait_until_done(repository, record.id)

    assert (done.status, done.error) == ("failed", "the URL answered 404")


def test_sigterm_during_a_retry_wait_gives_the_job_back_and_the_worker_reports_in_json_logs_and_metrics(
        local_origin, backing_services, repository, queue, worker_settings, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        metrics_port = sock.getsockname()[1]
    env = backing_services.env()
    env.update(MONGO_DB=worker_settings.mongo_db, QUEUE_NAME=worker_settings.queue_name,
               S3_BUCKET=worker_settings.s3_bucket, JOB_RETRY_DELAY="60", WORKER_METRICS_PORT=str(metrics_port))
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "pose_worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=log.open("wb"), start_new_session=True)
    try:
        before = local_origin.count("/status/502")
        image_id = submit(repository, queue, local_origin.url("status/502"))
        deadline = time.monotonic() + 30
        while local_origin.count("/status/502") == before and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # the first try failed; the worker now waits 60 s to try again
        metrics = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text

        os.kill(worker.pid, signal.SIGTERM)
        code = worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()

    assert code == 0, log.read_text()[-2000:]
    assert repository.get(image_id).status == "pending"
    assert queue.depth() == 1
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    about_the_job = [line for line in lines if "502" in line["message"]]
    assert about_the_job and all(line["image_id"] == image_id for line in about_the_job)
    assert 'posecraft_jobs_total{outcome="retried"} 1.0' in metrics
    assert 'posecraft_job_stage_seconds_count{stage="load"} 1.0' in metrics


def test_sigterm_while_the_worker_waits_out_an_s3_outage_gives_the_job_back_at_once(local_origin, backing_services,
                                                                                    repository, queue,
                                                                                    worker_settings):
    worker = Worker.from_settings(worker_settings)
    # Prepared before it starts (migration, indexes): a test that stops MongoDB at once finds it consuming, not
    # still preparing (which it then waits to finish, the job untaken).
    worker.repository.ensure_prepared()
    thread = threading.Thread(target=worker.run, name="test-worker", daemon=True)
    backing_services.stop("s3")
    try:
        thread.start()
        image_id = submit(repository, queue, local_origin.photo_url(f"messi5.jpg?run={uuid.uuid4().hex}"))
        time.sleep(3)  # well past the 3 tries 0.2 s and 0.4 s apart: the worker is waiting for S3, not retrying
        waiting = repository.get(image_id)
        stopped_at = time.monotonic()
        worker.stop()
        thread.join(10)
        stop_seconds = time.monotonic() - stopped_at
    finally:
        worker.stop()
        backing_services.start("s3")

    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert not thread.is_alive() and stop_seconds < 2
    assert repository.get(image_id).status == "pending"
    assert queue.depth() == 1


def test_the_worker_reconnects_after_a_redis_restart_and_takes_the_next_job(local_origin, backing_services,
                                                                             repository, queue, running_worker):
    backing_services.stop("redis")
    time.sleep(2)  # the worker's connection is gone; it keeps trying
    backing_services.start("redis")

    record = wait_until_done(repository, submit(repository, queue, local_origin.url("status/404")))

    assert (record.status, record.error) == ("failed", "the URL answered 404")
    assert queue.depth() == 0


def test_an_upload_whose_original_is_gone_from_s3_fails_at_once_with_the_reason(repository, queue, running_worker):
    digest = uuid.uuid4().hex * 2
    record, _ = repository.submit(NewImage.for_upload(digest, f"uploads/{digest}.jpg"))  # never stored
    queue.publish(Job(record.id))

    done = wait_until_done(repository, record.id)

    assert (done.status, done.attempts) == ("failed", 1)
    assert done.error == "the uploaded original is no longer in storage; upload the photo again"
