"""The job queue on the real Redis: what ingest publishes is what the worker's consumer gets, one at a time, and
a message that is not a job goes to the dead-letter queue instead of being retried forever."""
from __future__ import annotations

import base64
import json
import threading
import time

import pytest
import redis
from support.messages import publish_body

from posecraft.stores.queue import Job, JobQueue, Outcome


def consume_all(queue, seconds: float = 3.0, ack: bool = True, expected: int | None = None):
    """Jobs delivered within `seconds` (or until `expected` have come), with the queue depth seen while each one
    was being handled."""
    delivered = []
    deadline = time.monotonic() + seconds

    def handle(job):
        delivered.append((job, queue.depth()))
        return Outcome.DONE if ack else Outcome.RETRY

    def should_stop():
        return time.monotonic() > deadline or (expected is not None and len(delivered) >= expected)

    queue.consume(handle, should_stop=should_stop, poll_seconds=0.2)
    return delivered


def test_published_jobs_arrive_in_order_one_at_a_time(job_queue):
    for image_id in (1, 2, 3):
        job_queue.publish(Job(image_id))

    delivered = consume_all(job_queue)

    assert [job for job, _ in delivered] == [Job(1), Job(2), Job(3)]
    # Prefetch 1: while a job is in hand, the next ones are still waiting in the queue.
    assert [depth for _, depth in delivered] == [2, 1, 0]
    assert job_queue.depth() == 0


def test_malformed_and_undecodable_messages_go_to_dead_letters_and_the_good_job_still_arrives(
        job_queue, api_settings):
    publish_body(job_queue, api_settings.redis_url, {"id": "seven", "url": "https://example.com/a.jpg"})
    raw = redis.Redis.from_url(api_settings.redis_url)
    # A message in kombu's envelope whose body is not JSON at all.
    raw.lpush(api_settings.queue_name, b'{"body": "bm90IGpzb24=", "content-encoding": "utf-8", '
                                       b'"content-type": "application/json", "headers": {}, "properties": '
                                       b'{"body_encoding": "base64", "delivery_tag": "x1", "delivery_info": '
                                       b'{"exchange": "", "routing_key": ""}, "priority": 0}}')
    # A message of the first version (it also carried the URL and key): still a job.
    publish_body(job_queue, api_settings.redis_url, {"id": 9, "url": "https://example.com/9.jpg", "key": "uploads/abc.jpg"})

    delivered = consume_all(job_queue)

    assert [job for job, _ in delivered] == [Job(9)]
    assert job_queue.dead_letter_depth() == 2
    assert job_queue.depth() == 0


def test_a_job_whose_consumer_stops_without_acking_is_delivered_again(job_queue, api_settings):
    # (A consumer killed with -9 gets its job back after the visibility timeout: tests/integration/test_worker_faults.)
    job_queue.publish(Job(5))
    first = consume_all(job_queue, ack=False, expected=1)

    again = consume_all(job_queue, seconds=api_settings.queue_visibility_timeout + 10, expected=1)

    assert [job.image_id for job, _ in first] == [5]
    assert [job.image_id for job, _ in again] == [5]


@pytest.mark.parametrize(("item", "reason"), [
    (b"not a kombu envelope {", "not a kombu message envelope (not JSON"),
    (b'{"body": 5}', "not a kombu message envelope"),
])
def test_a_list_item_that_is_no_kombu_envelope_is_dead_lettered_and_the_next_job_still_arrives(
        job_queue, api_settings, item, reason):
    redis.Redis.from_url(api_settings.redis_url).lpush(api_settings.queue_name, item)
    job_queue.publish(Job(11))

    delivered = consume_all(job_queue, expected=1)

    assert [job for job, _ in delivered] == [Job(11)]
    assert job_queue.dead_letter_depth() == 1
    dead = consume_all(JobQueue(api_settings.redis_url, f"{api_settings.queue_name}.dead", 10), seconds=0)
    assert dead == []  # (the dead-letter queue holds envelopes of its own: read them raw)
    raw = redis.Redis.from_url(api_settings.redis_url).lrange(f"{api_settings.queue_name}.dead", 0, -1)
    letter = json.loads(base64.b64decode(json.loads(raw[0])["body"]))
    assert letter["reason"].startswith(reason)
    assert letter["body"] in (item.decode(), json.loads(item) if item.startswith(b"{\"") else None)


def test_a_job_longer_than_the_visibility_timeout_runs_once_while_its_consumer_lives(api_settings):
    """The heartbeat keeps the held message from being restored: a second consumer never gets it."""
    short = JobQueue(api_settings.redis_url, api_settings.queue_name, visibility_timeout=2)
    other = JobQueue(api_settings.redis_url, api_settings.queue_name, visibility_timeout=2)
    short.publish(Job(21))
    runs, stop = [], threading.Event()

    def slow(job):
        runs.append(("first", job))
        time.sleep(7)  # three and a half visibility timeouts
        return Outcome.DONE

    def fast(job):
        runs.append(("second", job))
        return Outcome.DONE

    first = threading.Thread(target=short.consume, args=(slow, stop.is_set), kwargs={"poll_seconds": 0.2})
    first.start()
    while not runs:
        time.sleep(0.05)
    second = threading.Thread(target=other.consume, args=(fast, stop.is_set), kwargs={"poll_seconds": 0.2})
    second.start()
    time.sleep(9)
    stop.set()
    first.join(10)
    second.join(10)
    short.close()
    other.close()

    assert runs == [("first", Job(21))]
