"""The one job queue: kombu on Redis. A durable queue, persistent messages, JSON bodies. It owns its messages.

A message's body is a `Job`: `{"id": <image id>}` (the record holds everything else; messages of the first
version also carried "url" and "key", which are ignored). `consume(handle)` parses each message and passes the
`Job` to `handle`, which answers what became of it: `Outcome.DONE` (acked: the record says processed or failed),
`Outcome.RETRY` (given back to the queue, delivered again) or `DeadLetter(reason)`. One consumer takes one message
at a time (prefetch 1) and acks after `handle` returns (at-least-once). A message that is not a job object, or
that kombu cannot decode, or a list item that is not a kombu envelope at all (a raw LPUSH), goes to the
dead-letter queue `<queue_name>.dead` with the reason: it is never retried forever and never stops the consumer.

A crashed consumer's message comes back after `visibility_timeout` seconds (kombu's Redis transport restores
unacked messages older than that). A live consumer's message must not: while `handle` runs, a heartbeat thread
refreshes the message's timestamp in kombu's unacked index every third of the timeout, so a job may run longer
than the timeout and still run once, while a killed worker's job is back within about one timeout.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import redis
from kombu import Connection, Consumer, Exchange, Queue
from kombu.exceptions import OperationalError
from kombu.message import Message
from kombu.pools import producers
from kombu.transport import redis as kombu_redis
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


class _NotAnEnvelope(Exception):
    """A list item that parsed as JSON but is not a kombu message envelope."""

    def __init__(self, raw: object):
        super().__init__("not a kombu message envelope")
        self.raw = raw


class _Transport(kombu_redis.Transport):
    """kombu's Redis transport, refusing list items that are not message envelopes before kombu trips on them
    (it would raise from deep inside drain_events, having popped the item: lost, and the consumer dead)."""

    def _deliver(self, message, queue):
        properties = message.get("properties") if isinstance(message, dict) else None
        if not (isinstance(properties, dict) and isinstance(properties.get("delivery_info"), dict)
                and "delivery_tag" in properties and "body" in message):
            raise _NotAnEnvelope(message)
        super()._deliver(message, queue)


class _Heartbeat:
    """While a message is handled, keeps its entry in kombu's unacked index fresh so it is not restored."""

    def __init__(self, client: redis.Redis, index_key: str, delivery_tag: str, interval: float):
        self._client, self._key, self._tag, self._interval = client, index_key, delivery_tag, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="queue-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                # XX: only refresh an entry that is still there (an ack or a restore removes it).
                self._client.zadd(self._key, {self._tag: time.time()}, xx=True)
            except redis.RedisError as exc:
                log.warning("queue heartbeat failed (the job may be delivered again): %s", exc)


class JobQueue:
    def __init__(self, redis_url: str, queue_name: str, visibility_timeout: int):
        self._redis_url = redis_url
        self._heartbeat_every = max(visibility_timeout / 3, 0.5)
        self._heartbeat_client: redis.Redis | None = None
        self._connection = Connection(
            redis_url,
            transport=_Transport,
            transport_options={
                # An unacked message whose consumer died (its heartbeat stopped) comes back after this long.
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
        if self._heartbeat_client is not None:
            self._heartbeat_client.close()

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
            # One retry 0.2 s later, not kombu's 2 s: /readyz answers within a second while Redis is down.
            conn.ensure_connection(max_retries=1, interval_start=0.2)
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
                            except _NotAnEnvelope as exc:
                                self._dead_letter_raw(exc.raw, "not a kombu message envelope")
                            except json.JSONDecodeError as exc:
                                self._dead_letter_raw(exc.doc, f"not a kombu message envelope (not JSON: {exc})")
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
        with _Heartbeat(self._heartbeat_redis(), message.channel.unacked_index_key, message.delivery_tag,
                        self._heartbeat_every):
            outcome = handle(job)
        if isinstance(outcome, DeadLetter):
            log.error("job sent to dead letters: %s", outcome.reason, extra={"image_id": job.image_id})
            self.publish_dead_letter(body, outcome.reason)
            message.ack()
        elif outcome is Outcome.DONE:
            message.ack()
        else:
            message.requeue()

    def _heartbeat_redis(self) -> redis.Redis:
        if self._heartbeat_client is None:
            self._heartbeat_client = redis.Redis.from_url(self._redis_url, socket_connect_timeout=3, socket_timeout=5)
        return self._heartbeat_client

    def _dead_letter_raw(self, raw: object, reason: str) -> None:
        log.error("%s: sent to dead letters: %.200r", reason, raw)
        self.publish_dead_letter(raw, reason)

    def _on_decode_error(self, message: Message, exc: Exception) -> None:
        log.error("undecodable message sent to dead letters: %s", exc)
        self.publish_dead_letter(message.body.decode("utf-8", "replace") if isinstance(message.body, bytes)
                                 else str(message.body), f"cannot decode message: {exc}")
        message.ack()


def _sleep_unless(should_stop: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not should_stop():
        time.sleep(0.1)
