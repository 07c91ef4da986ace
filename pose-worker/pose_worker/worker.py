"""The queue consumer: one job at a time, acked only once its record says processed or failed.

- A transient failure (a URL timing out or answering 5xx) is tried again after job_retry_delay, then twice
  that, ..., up to job_max_attempts tries in all; then the record is failed with the last reason. A permanent
  one (not an image, no person, 404) fails at once. The worker waits out the delay holding the message, then
  gives it back to the queue, where it is delivered next.
- The attempt count lives in the record, so an image whose processing kills the worker every time
  (each delivery ends without an outcome) is failed once its deliveries reach the bound.
- While MongoDB or S3 cannot be reached (an outage: no fault of the job) the worker waits for them, holding the
  message, pinging them with backoff, then runs the try again under the same attempt: waiting costs the job
  none of its tries, and no job is acked whose record was not updated. (Only a new delivery counts one: after
  SIGTERM, or a wait longer than the queue's visibility timeout while another worker process is free.)
- stop() (SIGTERM): the try in hand finishes; a job waiting out a retry delay or an outage goes back to the
  queue at once.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import Counter, Gauge

from posecraft.config import Settings
from posecraft.errors import PoseCraftError, ServiceUnavailable
from posecraft.jobs import RetryPolicy, process_job
from posecraft.records import Record, Status
from posecraft.stores.images import ImageRepository
from posecraft.stores.queue import DeadLetter, Job, JobQueue, Outcome
from posecraft.stores.storage import Storage

log = logging.getLogger("pose_worker")

T = TypeVar("T")
MAX_STORE_WAIT = 10.0

JOBS = Counter("posecraft_jobs_total", "Jobs by outcome", ["outcome"])  # processed, failed, retried, duplicate, ...
QUEUE_DEPTH = Gauge("posecraft_queue_depth", "Jobs waiting in the queue (read when scraped)")


@dataclass(frozen=True)
class Failure:
    reason: str
    permanent: bool
    # MongoDB or S3 was unavailable and still does not answer a ping: wait for it, do not count a try.
    outage: bool = False


class _Stopping(Exception):
    """stop() was called while waiting: give the job back."""


class Worker:
    def __init__(self, settings: Settings, repository: ImageRepository, storage: Storage, queue: JobQueue):
        self.settings = settings
        self.repository = repository
        self.storage = storage
        self.queue = queue
        self.retry = RetryPolicy.from_settings(settings)
        self._stopping = threading.Event()
        QUEUE_DEPTH.set_function(self._queue_depth)

    @classmethod
    def from_settings(cls, settings: Settings) -> Worker:
        return cls(settings, ImageRepository.from_settings(settings), Storage.from_settings(settings),
                   JobQueue.from_settings(settings))

    def run(self) -> None:
        log.info("worker started", extra={"queue": self.settings.queue_name})
        self.queue.consume(self.handle, self._stopping.is_set)
        log.info("worker stopped")

    def stop(self) -> None:
        self._stopping.set()

    def handle(self, job: Job) -> Outcome | DeadLetter:
        """One try at the job: DONE once it needs no more work (the record says processed or failed), RETRY to
        give it back to the queue for the next try, DeadLetter when there is no record to work on."""
        try:
            return self._run(job.image_id)
        except _Stopping:
            log.info("stopping: job given back to the queue", extra={"image_id": job.image_id})
            return Outcome.RETRY

    def _run(self, image_id: int) -> Outcome | DeadLetter:
        self._wait_for_stores(self.repository.ensure_prepared)  # records of an older schema rewritten first
        record = self._wait_for_stores(lambda: self.repository.get(image_id))
        if record is None:
            if self._wait_for_stores(lambda: self.repository.was_deleted(image_id)):
                JOBS.labels("deleted").inc()  # deleted from the catalogue while its job waited: nothing to do
                return Outcome.DONE
            JOBS.labels("dead_letter").inc()
            return DeadLetter(f"no image record with id {image_id}")
        if record.status is not Status.PENDING:
            # A redelivery after the outcome was recorded (the worker died before its ack).
            JOBS.labels("duplicate").inc()
            log.info("job already %s: nothing to do", record.status, extra={"image_id": image_id})
            return Outcome.DONE

        limit = self.retry.max_attempts
        attempt = self._wait_for_stores(lambda: self.repository.record_attempt(image_id))
        failure: Failure | None
        if attempt > limit:
            # Earlier deliveries ended with no outcome: the worker died during each (a crash on this image?).
            failure = Failure(f"gave up after {limit} attempts: processing never finished", True)
        else:
            failure = self._attempt(record, attempt)
            while failure is not None and failure.outage:
                self._wait_for_stores(self._ping_stores)
                log.info("the stores answer again: trying the job again", extra={"image_id": image_id,
                                                                              "attempt": attempt})
                failure = self._attempt(record, attempt)
            if failure is None:
                return Outcome.DONE
        if failure.permanent or self.retry.gives_up_after(attempt):
            reason = failure.reason
            self._wait_for_stores(lambda: self.repository.mark_failed(image_id, reason))
            JOBS.labels("failed").inc()
            log.warning("job failed: %s", failure.reason, extra={"image_id": image_id, "attempt": attempt})
            return Outcome.DONE
        JOBS.labels("retried").inc()
        delay = self.retry.delay(attempt)
        log.warning("job will be tried again in %g s: %s", delay, failure.reason,
                    extra={"image_id": image_id, "attempt": attempt})
        # Each try is its own delivery: the queue's visibility timeout then only has to outlast one try.
        self._stopping.wait(delay)
        return Outcome.RETRY

    def _attempt(self, record: Record, attempt: int) -> Failure | None:
        image_id = record.id
        started = time.monotonic()
        try:
            processed = process_job(record, self.settings, self.repository, self.storage)
        except ServiceUnavailable as error:
            # A store that answers its ping but failed the try (S3 answering 500 to a put) is no outage to wait
            # out: that try counts, so a store that keeps failing cannot hold a job forever.
            return Failure(error.reason, permanent=False, outage=not self._stores_answer())
        except PoseCraftError as error:
            return Failure(error.reason, error.permanent)
        except Exception as error:  # a bug or a decoder crash on odd bytes: recorded, and the worker keeps running
            log.exception("unexpected error in job", extra={"image_id": image_id, "attempt": attempt})
            return Failure(f"the image could not be processed: internal error ({type(error).__name__})", True)
        JOBS.labels("processed").inc()
        log.info("job processed", extra={
            "image_id": image_id, "attempt": attempt, "views": len(processed.shots) if processed else 0,
            "seconds": round(time.monotonic() - started, 3),
        })
        return None

    def _queue_depth(self) -> float:
        try:
            return self.queue.depth()
        except ServiceUnavailable:
            return float("nan")

    def _ping_stores(self) -> None:
        self.repository.ping()
        self.storage.ping()

    def _stores_answer(self) -> bool:
        try:
            self._ping_stores()
        except ServiceUnavailable:
            return False
        return True

    def _wait_for_stores(self, action: Callable[[], T]) -> T:
        """Run `action`, waiting with backoff while a store it needs is unavailable (raises _Stopping if stop()
        is called meanwhile)."""
        delay = 0.5
        while True:
            try:
                return action()
            except ServiceUnavailable as error:
                log.warning("waiting %g s for a store: %s", delay, error.reason)
                if self._stopping.wait(delay):
                    raise _Stopping from None
                delay = min(delay * 2, MAX_STORE_WAIT)
