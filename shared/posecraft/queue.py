"""The one job queue: kombu on Redis. A durable queue, persistent messages, JSON bodies.

Message: {"id": int, "url": str, "key": str | None}. The worker consumes with prefetch 1 and acks by hand after the
record is updated (at-least-once). A message kombu cannot decode, or one a handler rejects as malformed, goes to the
dead-letter queue `<queue_name>.dead` with the reason, and is acked: it is never retried forever.
"""
from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

from kombu import Connection, Consumer, Exchange, Queue
from kombu.exceptions import OperationalError
from kombu.message import Message
from kombu.pools import producers
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from posecraft.config import Settings
from posecraft.errors import unavailable_when

log = logging.getLogger(__name__)

_UNREACHABLE = (OperationalError, RedisConnectionError, RedisTimeoutError, ConnectionError, socket.timeout)


_unavailable = unavailable_when("the job queue (Redis)", lambda exc: str(exc) if isinstance(exc, _UNREACHABLE) else None)


def job_message(image_id: int, url: str, key: str | None) -> dict:
    return {"id": int(image_id), "url": url, "key": key}


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
    def publish(self, job: dict) -> None:
        self._publish(job, self.queue)

    @_unavailable
    def publish_dead_letter(self, body, reason: str) -> None:
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

    def consume(self, handle: Callable[[dict, Message], None], should_stop: Callable[[], bool],
                poll_seconds: float = 1.0) -> None:
        """Deliver jobs one at a time (prefetch 1) to `handle(job, message)` until `should_stop()`.

        `handle` must call message.ack() once the record is updated, or message.requeue() to give the job back.
        A connection lost mid-loop is re-established with backoff (the worker keeps running while Redis restarts).
        """
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
                except conn.recoverable_connection_errors + _UNREACHABLE as exc:
                    log.warning("queue unavailable, reconnecting in %.1f s: %s", backoff, exc)
                    conn.collect()
                    _sleep_unless(should_stop, backoff)
                    backoff = min(backoff * 2, 10)

    def _deliver(self, body, message: Message, handle) -> None:
        if not _is_job(body):
            log.error("malformed job message sent to dead letters: %r", body)
            self.publish_dead_letter(body, "malformed job message: expected {id: int, url: str, key: str|null}")
            message.ack()
            return
        handle(body, message)

    def _on_decode_error(self, message: Message, exc: Exception) -> None:
        log.error("undecodable message sent to dead letters: %s", exc)
        self.publish_dead_letter(message.body.decode("utf-8", "replace") if isinstance(message.body, bytes)
                                 else str(message.body), f"cannot decode message: {exc}")
        message.ack()


def _sleep_unless(should_stop: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not should_stop():
        time.sleep(0.1)


def _is_job(body) -> bool:
    return (
        isinstance(body, dict)
        and isinstance(body.get("id"), int) and not isinstance(body.get("id"), bool)
        and isinstance(body.get("url"), str) and body["url"] != ""
        and (body.get("key") is None or isinstance(body.get("key"), str))
    )
