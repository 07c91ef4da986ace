"""The one MongoDB repository: image records (`posecraft.records.Record`) and the counter their ids come from.

Every write uses w=1, j=True: an acknowledged write survives a kill -9 of the database. `prepare()` runs on a
service's first use: it rewrites records of an older schema (`posecraft.records.migrate_document`), then makes
the indexes (`identity` unique: one record per uploaded file or submitted URL).
"""
from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, ReturnDocument, uri_parser
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    DuplicateKeyError,
    OperationFailure,
    ServerSelectionTimeoutError,
)
from pymongo.write_concern import WriteConcern

from posecraft.auth import ApiKey, key_hash, new_key
from posecraft.config import Settings
from posecraft.errors import ServiceUnavailable, unavailable_when
from posecraft.records import Record, Shot, Skipped, Source, Status, migrate_document, upload_identity

log = logging.getLogger(__name__)


def _now() -> datetime:
    # Mongo keeps milliseconds; truncating here makes the returned record equal to the stored one.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class NewImage:
    """What a submission asks to record: its identity and where its bytes are."""

    identity: str
    source: Source
    url: str | None = None
    key: str | None = None

    @classmethod
    def for_url(cls, url: str) -> NewImage:
        return cls(url, Source.URL, url=url)

    @classmethod
    def for_upload(cls, sha256_hex: str, key: str) -> NewImage:
        return cls(upload_identity(sha256_hex), Source.UPLOAD, key=key)


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
    def __init__(self, client: MongoClient, db_name: str, bucket: str):
        self._client = client
        self._db_name = db_name
        db = client.get_database(db_name, write_concern=WriteConcern(w=1, j=True))
        self._images = db["images"]
        self._counters = db["counters"]
        self._bucket = bucket  # schema-1 records named their objects by URL: the key follows /<bucket>/
        self._prepared = False
        self._prepare_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ImageRepository:
        client: MongoClient = MongoClient(
            settings.mongo_url,
            # Fail within seconds when MongoDB is down instead of pymongo's 30 s default.
            serverSelectionTimeoutMS=3000,
            connectTimeoutMS=3000,
            tz_aware=True,
            **_direct_connection(settings.mongo_url),
        )
        return cls(client, settings.mongo_db, settings.s3_bucket)

    def close(self) -> None:
        self._client.close()

    def api_keys(self) -> ApiKeyRepository:
        """The API keys, on this repository's connection."""
        return ApiKeyRepository(self._client, self._db_name)

    def ensure_prepared(self) -> None:
        """`prepare()` once per process, on first use: a service may start before MongoDB is up."""
        if self._prepared:
            return
        with self._prepare_lock:
            if not self._prepared:
                self.prepare()
                self._prepared = True

    @_unavailable
    def prepare(self) -> int:
        """Migrate older records, then make the indexes and the id counter. Returns the records migrated.
        Safe to run from several processes at once (each rewrite is conditional on the old schema)."""
        if "url_unique" in self._images.index_information():
            # Schema 1 deduplicated on the URL, which an upload no longer has: drop it before any rewrite.
            try:
                self._images.drop_index("url_unique")
            except OperationFailure:
                pass  # another process dropped it first
        migrated = self.migrate()
        self._images.create_index([("identity", ASCENDING)], unique=True, name="identity_unique")
        self._images.create_index([("status", ASCENDING), ("updatedAt", ASCENDING)], name="status_updated")
        try:
            self._counters.update_one({"_id": "images"}, {"$setOnInsert": {"seq": 0}}, upsert=True)
        except DuplicateKeyError:
            pass  # another process created it at the same moment
        return migrated

    @_unavailable
    def migrate(self) -> int:
        """Rewrite every record of an older schema in the current one; returns how many were rewritten."""
        count = 0
        for doc in self._images.find({"schema": {"$exists": False}}):
            migrated = migrate_document(doc, self._bucket)
            if migrated is None:
                continue
            result = self._images.replace_one({"_id": doc["_id"], "schema": {"$exists": False}}, migrated)
            count += result.modified_count
        if count:
            log.info("migrated %d image records to schema 2", count)
        return count

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

    def submit(self, image: NewImage) -> tuple[Record, bool]:
        """Record `image` for processing; (record, created). `created` means the caller must queue it."""
        return self.submit_many([image])[0]

    @_unavailable
    def submit_many(self, images: Sequence[NewImage]) -> list[tuple[Record, bool]]:
        """`submit` for each distinct identity, in the order given, in a few round trips whatever their number.

        An image already pending or processed answers with its record (created False). A failed one goes back to
        pending (created True: that is how a user retries). Atomic under concurrency: the unique index on
        `identity` lets exactly one of two racing inserts win; the loser reads the winner's record in the next
        round. A counter value burnt by a lost race leaves a gap in the ids, never a duplicate.
        """
        wanted = {image.identity: image for image in images}
        results: dict[str, tuple[Record, bool]] = {}
        todo = list(wanted)
        while todo:
            existing = {doc["identity"]: doc for doc in self._images.find({"identity": {"$in": todo}})}
            again, new = [], []
            for identity in todo:
                doc = existing.get(identity)
                if doc is None:
                    new.append(wanted[identity])
                elif doc["status"] != Status.FAILED:
                    results[identity] = (Record.from_doc(doc), False)
                else:
                    retried = self._images.find_one_and_update(
                        {"_id": doc["_id"], "status": Status.FAILED.value},
                        {"$set": {"status": Status.PENDING.value, "error": None, "attempts": 0,
                                  "key": wanted[identity].key, "updatedAt": _now()}},
                        return_document=ReturnDocument.AFTER,
                    )
                    if retried is not None:
                        results[identity] = (Record.from_doc(retried), True)
                    else:
                        again.append(identity)  # another submitter re-queued it first: read it again
            if new:
                now = _now()
                records = [Record.new(image_id, image.identity, image.source, now, url=image.url, key=image.key)
                           for image_id, image in zip(self._reserve_ids(len(new)), new, strict=True)]
                lost = set()
                try:
                    self._images.insert_many([record.to_doc() for record in records], ordered=False)
                except BulkWriteError as exc:
                    errors = exc.details.get("writeErrors", [])
                    if any(error.get("code") != 11000 for error in errors):
                        raise
                    lost = {error["index"] for error in errors}
                for index, record in enumerate(records):
                    if index in lost:
                        again.append(record.identity)  # lost the race: the winner's record is there now
                    else:
                        results[record.identity] = (record, True)
            todo = again
        return [results[identity] for identity in wanted]

    @_unavailable
    def get(self, image_id: int) -> Record | None:
        doc = self._images.find_one({"_id": image_id})
        return Record.from_doc(doc) if doc else None

    @_unavailable
    def find_by_identity(self, identity: str) -> Record | None:
        doc = self._images.find_one({"identity": identity})
        return Record.from_doc(doc) if doc else None

    @_unavailable
    def get_many(self, image_ids: Iterable[int]) -> list[Record]:
        """The records that exist among `image_ids`, in the order asked."""
        ids = list(dict.fromkeys(image_ids))
        found = {doc["_id"]: Record.from_doc(doc) for doc in self._images.find({"_id": {"$in": ids}})}
        return [found[i] for i in ids if i in found]

    @_unavailable
    def count(self, query: Mapping[str, Any] | None = None) -> int:
        return self._images.count_documents(dict(query or {}))

    @_unavailable
    def count_by_status(self) -> dict[Status, int]:
        counts = dict.fromkeys(Status, 0)
        for row in self._images.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}]):
            counts[Status(row["_id"])] = row["n"]
        return counts

    @_unavailable
    def mark_processed(self, image_id: int, shots: Sequence[Shot], skipped: Sequence[Skipped], people: int | None,
                       ambiguous: bool = False) -> Record | None:
        """Overwrites the outcome: running a job twice leaves one correct record."""
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$set": {"status": Status.PROCESSED.value, "shots": [s.to_doc() for s in shots],
                      "skipped": [s.to_doc() for s in skipped], "people": people, "ambiguous": ambiguous,
                      "error": None, "updatedAt": _now()}},
            return_document=ReturnDocument.AFTER,
        )
        return Record.from_doc(doc) if doc else None

    @_unavailable
    def mark_failed(self, image_id: int, reason: str) -> Record | None:
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$set": {"status": Status.FAILED.value, "shots": [], "skipped": [], "ambiguous": False, "error": reason,
                      "updatedAt": _now()}},
            return_document=ReturnDocument.AFTER,
        )
        return Record.from_doc(doc) if doc else None

    @_unavailable
    def record_attempt(self, image_id: int) -> int:
        """Counts one more try at the job; returns the new count (the worker bounds its retries with it)."""
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$inc": {"attempts": 1}, "$set": {"updatedAt": _now()}},
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["attempts"]) if doc else 0


@dataclass(frozen=True)
class StoredKey:
    """An API key as `posecraft keys list` shows it: never the key itself."""

    name: str
    created_at: datetime
    last_used_at: datetime | None


class KeyExists(Exception):
    """`keys create` with a name already taken."""


class ApiKeyRepository:
    """API keys (collection `api_keys`: {_id: name, hash, createdAt, lastUsedAt}) and the session-signing secret
    (collection `secrets`), beside the image records in the same database."""

    # A key's last use is written at most this often: a busy client must not turn every request into a write.
    LAST_USE_EVERY = 60.0

    def __init__(self, client: MongoClient, db_name: str):
        db = client.get_database(db_name, write_concern=WriteConcern(w=1, j=True))
        self._keys = db["api_keys"]
        self._secrets = db["secrets"]
        self._last_use_written: dict[str, float] = {}

    @_unavailable
    def create(self, name: str) -> str:
        """A new key for `name`, returned once: only its hash is stored."""
        key = new_key()
        try:
            self._keys.insert_one({"_id": name, "hash": key_hash(key), "createdAt": _now(), "lastUsedAt": None})
        except DuplicateKeyError:
            raise KeyExists(f"a key named {name!r} exists: revoke it first, or choose another name") from None
        return key

    @_unavailable
    def list(self) -> list[StoredKey]:
        return [StoredKey(doc["_id"], doc["createdAt"], doc.get("lastUsedAt"))
                for doc in self._keys.find().sort("createdAt", ASCENDING)]

    @_unavailable
    def revoke(self, name: str) -> bool:
        return self._keys.delete_one({"_id": name}).deleted_count == 1

    @_unavailable
    def find(self, hash: str) -> ApiKey | None:
        doc = self._keys.find_one({"hash": hash})
        if doc is None:
            return None
        now = time.monotonic()
        if now - self._last_use_written.get(doc["_id"], -self.LAST_USE_EVERY) >= self.LAST_USE_EVERY:
            self._last_use_written[doc["_id"]] = now
            self._keys.update_one({"_id": doc["_id"]}, {"$set": {"lastUsedAt": _now()}})
        return ApiKey(doc["_id"], doc["hash"])

    @_unavailable
    def session_secret(self) -> bytes:
        """The secret sessions are signed with: made by the first process that asks, then shared by all."""
        made = base64.b64encode(secrets.token_bytes(32)).decode()
        for _ in range(3):
            try:
                doc = self._secrets.find_one_and_update(
                    {"_id": "session"}, {"$setOnInsert": {"value": made}}, upsert=True,
                    return_document=ReturnDocument.AFTER)
            except DuplicateKeyError:
                continue  # two first-ever upserts raced: read the winner's
            if doc is not None:
                return base64.b64decode(doc["value"])
        raise ServiceUnavailable("MongoDB did not hand out the session secret; try again")
