"""The one MongoDB repository: image records and the counter their ids come from.

A record (collection `images`):
    {_id: int, url: str (unique), source: "upload"|"url", key: str|None, status: "pending"|"processed"|"failed",
     shots: [...], skipped: [...], people: int|None, error: str|None, attempts: int, createdAt, updatedAt}
`key` is the S3 key of an uploaded original (None for a user URL); the worker reads the bytes from there.

Every write uses w=1, j=True: an acknowledged write survives a kill -9 of the database.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, ReturnDocument, uri_parser
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, ServerSelectionTimeoutError
from pymongo.write_concern import WriteConcern

from posecraft.config import Settings
from posecraft.errors import ServiceUnavailable, unavailable_when

PENDING, PROCESSED, FAILED = "pending", "processed", "failed"
SOURCES = ("upload", "url")


def _now() -> datetime:
    # Mongo keeps milliseconds; truncating here makes the returned record equal to the stored one.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _new_record(image_id: int, url: str, source: str, key: str | None, now: datetime) -> dict:
    return {
        "_id": image_id,
        "url": url,
        "source": source,
        "key": key,
        "status": PENDING,
        "shots": [],
        "skipped": [],
        "people": None,
        "error": None,
        "attempts": 0,
        "createdAt": now,
        "updatedAt": now,
    }


_unavailable = unavailable_when(
    "MongoDB",
    lambda exc: exc.__class__.__name__ if isinstance(exc, (ConnectionFailure, ServerSelectionTimeoutError)) else None,
)


def _direct_connection(mongo_url: str) -> dict:
    """A URL naming one server and no replica set is talked to directly. Otherwise a server that calls itself a
    one-member replica set (SecantusDB does) and answers a hello with no hosts while it restarts is dropped from
    the client's topology for good, and every later call fails although the server is back."""
    if mongo_url.startswith("mongodb+srv://"):
        return {}  # a cluster found through DNS: let the driver discover it
    parsed = uri_parser.parse_uri(mongo_url)
    options = {k.lower() for k in parsed["options"]}
    if len(parsed["nodelist"]) == 1 and not options & {"replicaset", "directconnection", "loadbalanced"}:
        return {"directConnection": True}
    return {}


class ImageRepository:
    def __init__(self, client: MongoClient, db_name: str):
        self._client = client
        db = client.get_database(db_name, write_concern=WriteConcern(w=1, j=True))
        self._images = db["images"]
        self._counters = db["counters"]

    @classmethod
    def from_settings(cls, settings: Settings) -> ImageRepository:
        client = MongoClient(
            settings.mongo_url,
            # Fail within seconds when MongoDB is down instead of pymongo's 30 s default.
            serverSelectionTimeoutMS=3000,
            connectTimeoutMS=3000,
            tz_aware=True,
            **_direct_connection(settings.mongo_url),
        )
        return cls(client, settings.mongo_db)

    def close(self) -> None:
        self._client.close()

    @_unavailable
    def ensure_indexes(self) -> None:
        self._images.create_index([("url", ASCENDING)], unique=True, name="url_unique")
        self._images.create_index([("status", ASCENDING), ("updatedAt", ASCENDING)], name="status_updated")
        try:
            self._counters.update_one({"_id": "images"}, {"$setOnInsert": {"seq": 0}}, upsert=True)
        except DuplicateKeyError:
            pass  # another process created it at the same moment

    @_unavailable
    def ping(self) -> None:
        self._client.admin.command("ping")

    def _reserve_ids(self, count: int) -> list[int]:
        """`count` new ids from the counter in one atomic $inc."""
        for _ in range(5):
            try:
                counter = self._counters.find_one_and_update(
                    {"_id": "images"}, {"$inc": {"seq": count}}, upsert=True, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:
                continue  # two first-ever upserts raced: the counter exists now, increment it
            if counter is not None:  # SecantusDB answers None to the loser of that race instead
                last = int(counter["seq"])
                return list(range(last - count + 1, last + 1))
        raise ServiceUnavailable("MongoDB did not hand out new image ids; try again")

    def submit(self, url: str, source: str, key: str | None = None) -> tuple[dict, bool]:
        """Record `url` for processing; (record, created). `created` means the caller must queue it."""
        return self.submit_many([url], source, key)[0]

    @_unavailable
    def submit_many(self, urls: list[str], source: str, key: str | None = None) -> list[tuple[dict, bool]]:
        """`submit` for each distinct url, in the order given, in a few round trips whatever their number.

        A url already pending or processed answers with its record (created False). A failed one goes back to
        pending (created True: that is how a user retries). Atomic under concurrency: the unique index on `url`
        lets exactly one of two racing inserts win; the loser reads the winner's record in the next round. A
        counter value burnt by a lost race leaves a gap in the ids, never a duplicate.
        """
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        ordered = list(dict.fromkeys(urls))
        results: dict[str, tuple[dict, bool]] = {}
        todo = ordered
        while todo:
            existing = {doc["url"]: doc for doc in self._images.find({"url": {"$in": todo}})}
            again, new = [], []
            for url in todo:
                doc = existing.get(url)
                if doc is None:
                    new.append(url)
                elif doc["status"] != FAILED:
                    results[url] = (doc, False)
                else:
                    retried = self._images.find_one_and_update(
                        {"_id": doc["_id"], "status": FAILED},
                        {"$set": {"status": PENDING, "error": None, "attempts": 0, "key": key,
                                  "updatedAt": _now()}},
                        return_document=ReturnDocument.AFTER,
                    )
                    if retried is not None:
                        results[url] = (retried, True)
                    else:
                        again.append(url)  # another submitter re-queued it first: read it again
            if new:
                now = _now()
                records = [_new_record(image_id, url, source, key, now)
                           for image_id, url in zip(self._reserve_ids(len(new)), new, strict=False)]
                lost = set()
                try:
                    self._images.insert_many(records, ordered=False)
                except BulkWriteError as exc:
                    errors = exc.details.get("writeErrors", [])
                    if any(error.get("code") != 11000 for error in errors):
                        raise
                    lost = {error["index"] for error in errors}
                for index, record in enumerate(records):
                    if index in lost:
                        again.append(record["url"])  # lost the race for this url: the winner's record is there now
                    else:
                        results[record["url"]] = (record, True)
            todo = again
        return [results[url] for url in ordered]

    @_unavailable
    def get(self, image_id: int) -> dict | None:
        return self._images.find_one({"_id": image_id})

    @_unavailable
    def find_by_url(self, url: str) -> dict | None:
        return self._images.find_one({"url": url})

    @_unavailable
    def get_many(self, image_ids: Iterable[int]) -> list[dict]:
        """The records that exist among `image_ids`, in the order asked."""
        ids = list(dict.fromkeys(image_ids))
        found = {doc["_id"]: doc for doc in self._images.find({"_id": {"$in": ids}})}
        return [found[i] for i in ids if i in found]

    @_unavailable
    def count(self, query: dict[str, Any] | None = None) -> int:
        return self._images.count_documents(query or {})

    @_unavailable
    def count_by_status(self) -> dict[str, int]:
        counts = {PENDING: 0, PROCESSED: 0, FAILED: 0}
        for row in self._images.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}]):
            counts[row["_id"]] = row["n"]
        return counts

    @_unavailable
    def mark_processed(self, image_id: int, shots: list[dict], skipped: list[dict], people: int | None) -> dict | None:
        """Overwrites the outcome: running a job twice leaves one correct record."""
        return self._images.find_one_and_update(
            {"_id": image_id},
            {"$set": {"status": PROCESSED, "shots": shots, "skipped": skipped, "people": people, "error": None,
                      "updatedAt": _now()}},
            return_document=ReturnDocument.AFTER,
        )

    @_unavailable
    def mark_failed(self, image_id: int, reason: str) -> dict | None:
        return self._images.find_one_and_update(
            {"_id": image_id},
            {"$set": {"status": FAILED, "shots": [], "skipped": [], "error": reason, "updatedAt": _now()}},
            return_document=ReturnDocument.AFTER,
        )

    @_unavailable
    def record_attempt(self, image_id: int) -> int:
        """Counts one more try at the job; returns the new count (the worker bounds its retries with it)."""
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$inc": {"attempts": 1}, "$set": {"updatedAt": _now()}},
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["attempts"]) if doc else 0
