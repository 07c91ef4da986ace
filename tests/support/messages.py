"""Messages on the job queue as another (or an older, or a broken) publisher could send them."""
from __future__ import annotations

from kombu import Connection

from posecraft.stores.queue import JobQueue


def publish_body(job_queue: JobQueue, redis_url: str, body: object) -> None:
    """A message in kombu's envelope with any JSON body on `job_queue`'s queue."""
    with Connection(redis_url) as connection:
        connection.Producer().publish(body, exchange=job_queue.queue.exchange, routing_key=job_queue.queue.routing_key,
                                      declare=[job_queue.queue], serializer="json")
