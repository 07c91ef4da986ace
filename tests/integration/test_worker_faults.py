"""The stack's worker process under faults: killed with -9 mid-job, stopped with SIGTERM mid-job, S3 down.

In the first two the job is made long enough to be caught in the middle: its URL (/slow on the local origin)
answers after 2 s, inside the tests' 3 s read timeout.
"""
from __future__ import annotations

import time
import uuid

import boto3
import requests
from support.records import wait_until_done

from posecraft.records import MediaLinks
from posecraft.stores.images import ImageRepository

SLOW_SECONDS = 2


def submit_slow_url(system, local_origin) -> tuple[int, str]:
    url = local_origin.url(f"slow?seconds={SLOW_SECONDS}&run={uuid.uuid4().hex}")
    answer = requests.post(f"{system.base_url}/api/process-batch", json={"imageUrls": [url]}, timeout=30)
    assert answer.status_code == 202, answer.text
    return answer.json()["items"][0]["id"], url


def wait_for_fetches(local_origin, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while local_origin.count("/slow") < count:
        assert time.monotonic() < deadline, f"the worker did not fetch /slow within {timeout} s"
        time.sleep(0.05)




def stored_view_keys(settings, image_id: int) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, aws_access_key_id=settings.s3_access_key,
                      aws_secret_access_key=settings.s3_secret_key, region_name=settings.s3_region)
    listing = s3.list_objects_v2(Bucket=settings.s3_bucket, Prefix=f"views/{image_id}-")  # views/<id>-<token>/
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_a_worker_killed_mid_job_gets_the_job_again_and_records_it_once(system, local_origin):
    repository = ImageRepository.from_settings(system.settings)
    fetches = local_origin.count("/slow")
    image_id, url = submit_slow_url(system, local_origin)
    wait_for_fetches(local_origin, fetches + 1)

    system.kill_worker()  # kill -9 while it waits for the slow URL: the message stays unacknowledged
    killed = time.monotonic()
    time.sleep(SLOW_SECONDS + 0.5)
    assert repository.get(image_id).status == "pending"
    system.start_worker()

    # Redelivered once the queue's visibility timeout has passed (the dead worker's heartbeat stopped).
    record = wait_until_done(repository, image_id, timeout=60)
    print(f"killed worker's job processed {time.monotonic() - killed:.1f} s after the kill "
          f"(visibility timeout {system.settings.queue_visibility_timeout} s)")

    assert record.status == "processed", record.error
    assert record.attempts == 2
    assert local_origin.count("/slow") == fetches + 2
    assert repository.count({"url": url}) == 1
    keys = [shot.key for shot in record.shots]
    assert keys and stored_view_keys(system.settings, image_id) == sorted(keys)
    links = MediaLinks.from_settings(system.settings)
    for shot in record.shots:
        assert requests.get(links.url(shot.key), timeout=10).status_code == 200


def test_sigterm_mid_job_lets_the_worker_finish_the_job_before_it_exits(system, local_origin):
    repository = ImageRepository.from_settings(system.settings)
    fetches = local_origin.count("/slow")
    image_id, _ = submit_slow_url(system, local_origin)
    wait_for_fetches(local_origin, fetches + 1)

    worker = system.processes["worker"]
    system.stop("worker")  # SIGTERM, then waits for the process to exit
    exit_code = worker.popen.returncode
    system.start_worker()

    assert exit_code == 0
    record = repository.get(image_id)
    assert (record.status, record.attempts) == ("processed", 1)
    assert local_origin.count("/slow") == fetches + 1


def test_an_s3_outage_longer_than_the_retries_costs_no_try_and_the_job_completes_when_s3_returns(
        system, local_origin):
    settings = system.settings
    repository = ImageRepository.from_settings(settings)
    retry_budget = sum(settings.job_retry_delay * 2 ** i for i in range(settings.job_max_attempts - 1))
    # Submitted while S3 is up (the ingest service makes the bucket on its first submit), taken while it is down.
    system.stop("worker")
    url = local_origin.photo_url(f"messi5.jpg?run={uuid.uuid4().hex}")
    answer = requests.post(f"{system.base_url}/api/process-batch", json={"imageUrls": [url]}, timeout=30)
    assert answer.status_code == 202, answer.text
    image_id = answer.json()["items"][0]["id"]
    system.stop("s3")
    try:
        system.start_worker()
        time.sleep(retry_budget + 5)  # every try would have been used up by now, had each outage try counted
        waiting = repository.get(image_id)
    finally:
        system.start("s3")

    assert (waiting.status, waiting.attempts) == ("pending", 1)
    record = wait_until_done(repository, image_id, timeout=60)
    assert (record.status, record.attempts) == ("processed", 1), record.error
    assert len(record.shots) >= 1
    for shot in record.shots:
        view = requests.get(MediaLinks.from_settings(settings).url(shot.key), timeout=10)
        assert view.status_code == 200
        assert view.headers["Content-Type"].startswith("image/")
