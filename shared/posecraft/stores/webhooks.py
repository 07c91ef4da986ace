"""The webhook outbox (collection `webhooks`): deliveries waiting to be sent by `posecraft.webhooks`."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection

from posecraft.records import MediaLinks, Record, Status, status_object
from posecraft.stores.mongo import timestamp, unavailable


@dataclass(frozen=True)
class Delivery:
    """One webhook POST waiting in the outbox."""

    id: ObjectId
    image_id: int
    url: str
    event: str
    body: bytes
    attempts: int


WEBHOOK_EVENTS = {Status.PROCESSED: "image.processed", Status.FAILED: "image.failed"}
# A claimed delivery is another worker's to take again only after this long (one try takes at most 2 timeouts).
CLAIM_SECONDS = 120


class WebhookOutbox:
    """The webhook deliveries waiting to be sent (`posecraft.webhooks`), in the collection `webhooks`:
    `{_id, imageId, url, event, body, attempts, nextAt, state: waiting | delivered | given_up, lastError, createdAt}`,
    found by the index (state, nextAt)."""

    def __init__(self, collection: Collection, links: MediaLinks):
        self._deliveries = collection
        self._links = links

    @unavailable
    def ensure_indexes(self) -> None:
        self._deliveries.create_index([("state", ASCENDING), ("nextAt", ASCENDING)], name="state_next")

    @unavailable
    def enqueue(self, record: Record, urls: Sequence[str]) -> None:
        """One delivery per URL of the record's outcome: its status object as it is now."""
        event = WEBHOOK_EVENTS.get(record.status)
        if event is None or not urls:
            return
        body = json.dumps(status_object(record, self._links), separators=(",", ":")).encode()
        now = timestamp()
        self._deliveries.insert_many([
            {"imageId": record.id, "url": url, "event": event, "body": body, "attempts": 0, "nextAt": now,
             "state": "waiting", "lastError": None, "createdAt": now} for url in urls])

    @unavailable
    def claim(self) -> Delivery | None:
        """The next delivery due, held for CLAIM_SECONDS (another worker process skips it meanwhile)."""
        now = timestamp()
        doc = self._deliveries.find_one_and_update(
            {"state": "waiting", "nextAt": {"$lte": now}},
            {"$set": {"nextAt": now + timedelta(seconds=CLAIM_SECONDS)}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        return Delivery(doc["_id"], doc["imageId"], doc["url"], doc["event"], bytes(doc["body"]), doc["attempts"])

    @unavailable
    def delivered(self, delivery: Delivery) -> None:
        self._deliveries.update_one({"_id": delivery.id}, {"$set": {
            "state": "delivered", "attempts": delivery.attempts + 1, "lastError": None, "deliveredAt": timestamp()}})

    @unavailable
    def failed(self, delivery: Delivery, reason: str, retry_in: float | None) -> None:
        """A try that did not deliver: due again in `retry_in` seconds, or given up (None)."""
        changes: dict[str, Any] = {"attempts": delivery.attempts + 1, "lastError": reason}
        if retry_in is None:
            changes["state"] = "given_up"
        else:
            changes["nextAt"] = timestamp() + timedelta(seconds=retry_in)
        self._deliveries.update_one({"_id": delivery.id}, {"$set": changes})

    @unavailable
    def of_image(self, image_id: int) -> list[dict[str, Any]]:
        """Every delivery of an image, oldest first (what an operator looks at)."""
        return list(self._deliveries.find({"imageId": image_id}).sort("createdAt", ASCENDING))
