"""Live changes of the catalogue: Redis pub/sub from whoever writes a record, server-sent events to the page.

Writers (the repository, on every change a user sees: created, re-queued, processed, failed, deleted) publish
`{"id": n}` or `{"id": n, "deleted": true}` on `posecraft.events.<mongo_db>`. A message carries only the id: each
status-service process reads the records itself, once per burst however many streams it serves, so an event shows
the record as it is now (whatever order several writers' messages arrive in) with the media URLs of the address
answering.

`EventHub`, one per status-service process, holds the one subscription and fans every event out to the open
streams. A stream never misses an event silently: when one could be lost (Redis or MongoDB unavailable, a client
too slow to keep up) the hub ends the stream, and the page, reconnecting, reads the list again.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import redis
from redis.exceptions import RedisError

from posecraft.config import Settings
from posecraft.errors import ServiceUnavailable

log = logging.getLogger(__name__)

# What the hub reads for a burst of ids: the status object of each record that still exists.
ReadRecords = Callable[[list[int]], Sequence[dict[str, Any]]]

_BURST_SECONDS = 0.05  # events arriving this close together are read from MongoDB in one query
_STREAM_BACKLOG = 1000  # events waiting for one slow client before its stream is ended


def channel_name(settings: Settings) -> str:
    """One channel per database: two deployments sharing a Redis never see each other's images."""
    return f"posecraft.events.{settings.mongo_db}"


def _redis(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=5)


class EventPublisher:
    """Announces changed and deleted records. Never raises: the write it announces has happened, and a page that
    may have missed an event reads the list again when its stream ends."""

    def __init__(self, client: redis.Redis, channel: str):
        self._client = client
        self.channel = channel

    @classmethod
    def from_settings(cls, settings: Settings) -> EventPublisher:
        return cls(_redis(settings), channel_name(settings))

    def changed(self, image_ids: Iterable[int]) -> None:
        self._publish([{"id": image_id} for image_id in image_ids])

    def deleted(self, image_id: int) -> None:
        self._publish([{"id": image_id, "deleted": True}])

    def _publish(self, messages: list[dict[str, Any]]) -> None:
        if not messages:
            return
        try:
            with self._client.pipeline(transaction=False) as pipe:
                for message in messages:
                    pipe.publish(self.channel, json.dumps(message))
                pipe.execute()
        except RedisError as exc:
            log.warning("%d catalogue events not published (Redis unavailable): %s", len(messages), exc)

    def close(self) -> None:
        self._client.close()


class Stream:
    """One client's events: SSE text chunks in order, or the end."""

    _END = object()

    def __init__(self) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=_STREAM_BACKLOG)
        self.ended = False

    def put(self, chunk: str) -> None:
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:
            self.end()  # too slow to keep up: it reconnects and reads the list again

    def end(self) -> None:
        self.ended = True
        try:
            self._queue.put_nowait(self._END)
        except queue.Full:
            pass  # `ended` is set: the reader stops at its next look

    def next(self, timeout: float) -> str | None:
        """The next chunk, or None after `timeout` with nothing to send; raises StopIteration at the end."""
        if self.ended and self._queue.empty():
            raise StopIteration
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is self._END or self.ended:
            raise StopIteration
        return item  # type: ignore[return-value]


def image_event(status: dict[str, Any]) -> str:
    return f"event: image\ndata: {json.dumps(status, separators=(',', ':'))}\n\n"


class EventHub:
    """The subscription of one process, started by the first stream, fanned out to every stream."""

    def __init__(self, client: redis.Redis, channel: str, read_records: ReadRecords, max_streams: int):
        self._client = client
        self.channel = channel
        self._read_records = read_records
        self.max_streams = max_streams
        self._streams: set[Stream] = set()
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings, read_records: ReadRecords) -> EventHub:
        return cls(_redis(settings), channel_name(settings), read_records, settings.max_event_streams)

    def ping(self) -> None:
        """Readiness: live events need Redis."""
        try:
            self._client.ping()
        except RedisError as exc:
            raise ServiceUnavailable(f"Redis is unavailable (live events): {exc}") from exc

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    def open(self, wait: float = 3.0) -> Stream:
        """A new stream; ServiceUnavailable when Redis cannot be subscribed to or this process holds its most."""
        with self._lock:
            if len(self._streams) >= self.max_streams:
                raise ServiceUnavailable(f"this server holds its most live streams ({self.max_streams}); "
                                         "the page polls instead")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="event-hub", daemon=True)
                self._thread.start()
        if not self._subscribed.wait(wait):
            raise ServiceUnavailable("live events are unavailable: Redis cannot be reached")
        stream = Stream()
        with self._lock:
            self._streams.add(stream)
        return stream

    def close(self, stream: Stream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def _end_all(self) -> None:
        with self._lock:
            streams, self._streams = self._streams, set()
        for stream in streams:
            stream.end()

    def _run(self) -> None:
        backoff = 0.5
        while True:
            try:
                with self._client.pubsub() as pubsub:
                    pubsub.subscribe(self.channel)
                    while (confirmed := pubsub.get_message(timeout=1.0)) is None or confirmed["type"] != "subscribe":
                        pass  # from the confirmation on, nothing published is missed
                    self._subscribed.set()
                    backoff = 0.5
                    while True:
                        message = pubsub.get_message(timeout=1.0)
                        if message is None or message["type"] != "message":
                            continue
                        burst = [message]
                        deadline = time.monotonic() + _BURST_SECONDS
                        while (more := pubsub.get_message(timeout=max(0.0, deadline - time.monotonic()))) is not None:
                            burst.append(more)
                        self._broadcast([m for m in burst if m["type"] == "message"])
            except (RedisError, OSError) as exc:
                log.warning("event subscription lost, live streams ended; again in %.1f s: %s", backoff, exc)
            except ServiceUnavailable as exc:
                log.warning("events could not be read, live streams ended: %s", exc.reason)
            self._subscribed.clear()
            self._end_all()
            time.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def _broadcast(self, messages: list[dict[str, Any]]) -> None:
        if not self._streams:
            return
        deleted: list[int] = []
        changed: list[int] = []
        for message in messages:
            try:
                body = json.loads(message["data"])
                image_id = int(body["id"])
            except (ValueError, KeyError, TypeError):
                log.warning("ignored a malformed event: %r", message.get("data"))
                continue
            (deleted if body.get("deleted") else changed).append(image_id)
        statuses = {status["id"]: status for status in self._read_records(list(dict.fromkeys(changed)))} if changed else {}
        chunks = []
        for image_id in dict.fromkeys(changed + deleted):
            status = statuses.get(image_id)
            # A record gone by the time it is read was deleted: its own deleted event follows, and says the same.
            chunks.append(image_event(status if status is not None else {"id": image_id, "deleted": True}))
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            for chunk in chunks:
                stream.put(chunk)


class EventStreamBody:
    """The response body of one stream: its events, a comment line every `keepalive` seconds, until the hub ends it
    or the client goes (looked for every second, so a closed tab frees its thread or greenlet at once). Closing
    it (the server does, however the response ends) leaves the hub."""

    def __init__(self, hub: EventHub, stream: Stream, keepalive: float, client_gone: Callable[[], bool]):
        self._hub = hub
        self._stream = stream
        self._keepalive = keepalive
        self._client_gone = client_gone

    def __iter__(self) -> Iterator[str]:
        yield "retry: 3000\n: connected\n\n"
        last_sent = time.monotonic()
        while True:
            try:
                chunk = self._stream.next(timeout=1.0)
            except StopIteration:
                return
            if chunk is not None:
                yield chunk
                last_sent = time.monotonic()
            elif self._client_gone():
                return
            elif time.monotonic() - last_sent >= self._keepalive:
                yield ": keepalive\n\n"
                last_sent = time.monotonic()

    def close(self) -> None:
        self._hub.close(self._stream)
