"""The one job queue: kombu on Redis. A durable queue, persistent messages, JSON bodies. It owns its messages.

A message's body is a `Job`: `{"id": <image id>}` (the record holds everything else; messages of the first
version also carried "url" and "key", which are ignored). `consume(handle)` parses each message and passes the
`Job` to `handle`, which answers what became of it: `Outcome.DONE` (acked: the record says processed or failed),
`Outcome.RETRY` (given back to the queue, delivered again) or `DeadLetter(reason)`. One consumer takes one message
at a time (prefetch 1) and acks after `handle` returns (at-least-once). A message that is not a job object, or
that kombu cannot decode, goes to the dead-letter queue `<queue_name>.dead` with the reason and is acked: it is
never retried forever.
"""
from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kombu import Connection, Consumer, Exchange, Queue
from kombu.exceptions import OperationalError
from kombu.message import Message
from kombu.pools import producers
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from posecraft.config import Settings
from posecraft.errors import ServiceUnavailable, unavailable_when

log = logging.getLogger(__name__)

_UNREACHABLE = (OperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, socket.timeout)


_unavailable = unavailable_when("the job queue (Redis)", lambda exc: str(exc) if isinstance(exc, _UNREACHABLE) else None)


class MalformedJob(ValueError):
    """A message body that is not a job object."""


@dataclass(frozen=True)
class Job:
    """One image to process."""

    image_id: int

    def to_body(self) -> dict[str, Any]:
        return {"id": self.image_id}

    @classmethod
    def parse(cls, body: object) -> Job:
        image_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(image_id, int) or isinstance(image_id, bool) or image_id < 1:
            raise MalformedJob(f"malformed job message: expected an object {{\"id\": <positive int>}}, got {body!r:.200}")
        return cls(image_id)


class Outcome(Enum):
    DONE = "done"  # nothing more to do: the message is acked
    RETRY = "retry"  # given back to the queue and delivered again


@dataclass(frozen=True)
class DeadLetter:
    """The job cannot be run at all (its record is gone, ...): it goes to the dead-letter queue with the reason."""

    reason: str


Handler = Callable[[Job], "Outcome | DeadLetter"]


class JobQueue:
    def __init__(self, redis_url: str, queue_name: str, visibility_timeout: int):
        self._connection = Connection(
            redis_url,
            transport_options={
                # An unacked message (its consumer died) comes back after this many seconds: keep it above the
                # longest job or the job runs twice.
                "visibility_timeout": visibility_timeout,
                "unacked_restore_throttle": 1,
                "socket_connect_timeout": 3,
                "socket_timeout": 10,
            },
            connect_timeout=3,
        )
        exchange = Exchange(queue_name, type="direct", durable=True)
        self.queue = Queue(queue_name, exchange, routing_key=queue_name, durable=True)
        dead_name = f"{queue_name}.dead"
        self.dead_letter_queue = Queue(dead_name, Exchange(dead_name, type="direct", durable=True),
                                       routing_key=dead_name, durable=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> JobQueue:
        return cls(settings.redis_url, settings.queue_name, settings.queue_visibility_timeout)

    def close(self) -> None:
        self._connection.release()

    @_unavailable
    def publish(self, job: Job) -> None:
        self._publish(job.to_body(), self.queue)

    @_unavailable
    def publish_dead_letter(self, body: object, reason: str) -> None:
        self._publish({"body": body, "reason": reason}, self.dead_letter_queue)

    def _publish(self, body: dict, queue: Queue) -> None:
        # The producer pool is thread-safe: gunicorn threads and test threads share one queue object.
        with producers[self._connection].acquire(block=True, timeout=5) as producer:
            producer.publish(
                body,
                exchange=queue.exchange,
                routing_key=queue.routing_key,
                declare=[queue],
                serializer="json",
                delivery_mode=2,  # persistent
                retry=True,
                retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 1},
            )

    @_unavailable
    def depth(self) -> int:
        """Messages waiting (not counting those delivered and not yet acked)."""
        return self._count(self.queue)

    @_unavailable
    def dead_letter_depth(self) -> int:
        return self._count(self.dead_letter_queue)

    def _count(self, queue: Queue) -> int:
        with self._connection.clone() as conn:
            return queue(conn.default_channel).queue_declare().message_count

    @_unavailable
    def ping(self) -> None:
        with self._connection.clone() as conn:
            conn.ensure_connection(max_retries=1)
            conn.default_channel.client.ping()

    def consume(self, handle: Handler, should_stop: Callable[[], bool], poll_seconds: float = 1.0) -> None:
        """Deliver jobs one at a time (prefetch 1) to `handle(job)` until `should_stop()`; ack, requeue or
        dead-letter each message as `handle` answers. A connection lost mid-loop is re-established with backoff
        (the worker keeps running while Redis restarts)."""
        backoff = 0.5
        with self._connection.clone() as conn:
            while not should_stop():
                try:
                    conn.ensure_connection(max_retries=1)
                    with Consumer(conn.channel(), queues=[self.queue], accept=["json"], prefetch_count=1,
                                  callbacks=[lambda body, message: self._deliver(body, message, handle)],
                                  on_decode_error=self._on_decode_error):
                        backoff = 0.5
                        while not should_stop():
                            try:
                                conn.drain_events(timeout=poll_seconds)
                            except TimeoutError:
                                continue
                except (*conn.recoverable_connection_errors, *_UNREACHABLE, ServiceUnavailable) as exc:
                    log.warning("queue unavailable, reconnecting in %.1f s: %s", backoff, exc)
                    conn.collect()
                    _sleep_unless(should_stop, backoff)
                    backoff = min(backoff * 2, 10)

    def _deliver(self, body: object, message: Message, handle: Handler) -> None:
        try:
            job = Job.parse(body)
        except MalformedJob as exc:
            log.error("malformed job message sent to dead letters: %r", body)
            self.publish_dead_letter(body, str(exc))
            message.ack()
            return
        outcome = handle(job)
        if isinstance(outcome, DeadLetter):
            log.error("job sent to dead letters: %s", outcome.reason, extra={"image_id": job.image_id})
            self.publish_dead_letter(body, outcome.reason)
            message.ack()
        elif outcome is Outcome.DONE:
            message.ack()
        else:
            message.requeue()

    def _on_decode_error(self, message: Message, exc: Exception) -> None:
        log.error("undecodable message sent to dead letters: %s", exc)
        self.publish_dead_letter(message.body.decode("utf-8", "replace") if isinstance(message.body, bytes)
                                 else str(message.body), f"cannot decode message: {exc}")
        message.ack()


def _sleep_unless(should_stop: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not should_stop():
        time.sleep(0.1)
