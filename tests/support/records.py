"""Waiting for the worker, as a user would, by reading the record."""
from __future__ import annotations

import time

from posecraft.records import Record, Status
from posecraft.stores.images import ImageRepository


def wait_until_done(repository: ImageRepository, image_id: int, timeout: float = 30) -> Record:
    """The record once it is no longer pending; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (record := repository.get(image_id)) is None or record.status is Status.PENDING:
        assert time.monotonic() < deadline, f"image {image_id} still pending after {timeout} s"
        time.sleep(0.2)
    return record
