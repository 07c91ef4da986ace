"""The image records (collection `images`, `posecraft.records.Record`), the counter their ids come from (`counters`)
and the tombstones of deleted ones (`deleted`).

`prepare()` runs on a
service's first use: it rewrites records of an older schema (`posecraft.records.migrate_document`), then makes
the indexes (`identity` unique: one record per uploaded file or submitted URL).

Every write a user sees (created, re-queued, processed, failed, deleted) is announced on `posecraft.stores.events`;
an outcome (processed, failed) also puts a webhook delivery in the outbox for each callback URL the record holds.

The catalogue's queries and the index each uses (on MongoDB):
  a page, newest first, below `cursor`  {status, _id: {$gte: lo, $lt: hi}} per status   status_id (status, _id desc)
                                        and window of ids, sorted _id desc, limited
  counts per status                     {status} counted                                status_id
  search `q` (name or URL)              the same, with a regex on `search`: each        status_id for the range;
                                        document in the windows is tried                 the pattern per document
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from posecraft.config import Settings
from posecraft.errors import ImageNotFound, ServiceUnavailable
from posecraft.records import (
    DEFAULT_OUTPUT,
    SCHEMA_VERSION,
    MediaLinks,
    OutputOptions,
    Record,
    Shot,
    Skipped,
    Source,
    Status,
    migrate_document,
    upload_identity,
)
from posecraft.stores.events import EventPublisher
from posecraft.stores.keys import ApiKeyRepository
from posecraft.stores.mongo import connect, database, timestamp, unavailable
from posecraft.stores.webhooks import WebhookOutbox

log = logging.getLogger(__name__)

# The widest window of ids one list query reads (ImageRepository.page).
PAGE_WINDOW_MAX = 16384


def _output_fields(output: OutputOptions) -> dict[str, object]:
    """The record document's fields for its output options (Record.to_doc writes the same)."""
    return {"preset": output.preset, "cutout": output.cutout, "upscale": output.upscale}


@dataclass(frozen=True)
class NewImage:
    """What a submission asks to record: its identity and where its bytes are."""

    identity: str
    source: Source
    url: str | None = None
    key: str | None = None
    name: str | None = None  # None: the URL's last path segment, or upload-<id>.<ext>
    output: OutputOptions = DEFAULT_OUTPUT  # what its views are to be

    @classmethod
    def for_url(cls, url: str, output: OutputOptions = DEFAULT_OUTPUT) -> NewImage:
        return cls(url, Source.URL, url=url, output=output)

    @classmethod
    def for_upload(cls, sha256_hex: str, key: str, name: str | None = None,
                   output: OutputOptions = DEFAULT_OUTPUT) -> NewImage:
        return cls(upload_identity(sha256_hex), Source.UPLOAD, key=key, name=name, output=output)


@dataclass(frozen=True)
class Page:
    """One page of the catalogue, newest first; `next_cursor` is what the next page is asked with (None: the last)."""

    records: list[Record]
    next_cursor: int | None


class ImageRepository:
    def __init__(self, client: MongoClient, db_name: str, bucket: str, links: MediaLinks | None = None,
                 events: EventPublisher | None = None):
        self._client = client
        self._db_name = db_name
        db = database(client, db_name)
        self._images = db["images"]
        self._counters = db["counters"]
        self._deleted = db["deleted"]  # tombstones: {_id: image id, deletedAt}
        self._bucket = bucket  # schema-1 records named their objects by URL: the key follows /<bucket>/
        self.webhooks = WebhookOutbox(db["webhooks"], links or MediaLinks("", bucket))
        self._events = events
        self._prepared = False
        self._prepare_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ImageRepository:
        return cls(connect(settings), settings.mongo_db, settings.s3_bucket, MediaLinks.from_settings(settings),
                   EventPublisher.from_settings(settings))

    def close(self) -> None:
        self._client.close()
        if self._events is not None:
            self._events.close()

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

    @unavailable
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
        self._images.create_index([("status", ASCENDING), ("_id", DESCENDING)], name="status_id")
        self.webhooks.ensure_indexes()
        try:
            self._counters.update_one({"_id": "images"}, {"$setOnInsert": {"seq": 0}}, upsert=True)
        except DuplicateKeyError:
            pass  # another process created it at the same moment
        return migrated

    @unavailable
    def migrate(self) -> int:
        """Rewrite every record of an older schema in the current one; returns how many were rewritten."""
        count = 0
        older = {"$or": [{"schema": {"$exists": False}}, {"schema": {"$lt": SCHEMA_VERSION}}]}
        for doc in self._images.find(older):
            migrated = migrate_document(doc, self._bucket)
            if migrated is None:
                continue
            unchanged = {"schema": doc["schema"]} if "schema" in doc else {"schema": {"$exists": False}}
            result = self._images.replace_one({"_id": doc["_id"], **unchanged}, migrated)
            count += result.modified_count
        if count:
            log.info("migrated %d image records to schema %d", count, SCHEMA_VERSION)
        return count

    @unavailable
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

    def submit(self, image: NewImage, callback_url: str | None = None) -> tuple[Record, bool]:
        """Record `image` for processing; (record, created). `created` means the caller must queue it."""
        return self.submit_many([image], callback_url)[0]

    @unavailable
    def submit_many(self, images: Sequence[NewImage], callback_url: str | None = None) -> list[tuple[Record, bool]]:
        """`submit` for each distinct identity, in the order given, in a few round trips whatever their number.

        An image already pending or processed answers with its record (created False). A failed one goes back to
        pending (created True: that is how a user retries). Atomic under concurrency: the unique index on
        `identity` lets exactly one of two racing inserts win; the loser reads the winner's record in the next
        round. A counter value burnt by a lost race leaves a gap in the ids, never a duplicate.

        `callback_url` is told when each image next ends: it joins the callbacks of a created, re-queued or
        pending record, and an image already processed gets its delivery at once.
        """
        callbacks = (callback_url,) if callback_url else ()
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
                                  "key": wanted[identity].key, **_output_fields(wanted[identity].output),
                                  "updatedAt": timestamp()},
                         "$addToSet": {"callbacks": {"$each": list(callbacks)}}},
                        return_document=ReturnDocument.AFTER,
                    )
                    if retried is not None:
                        results[identity] = (Record.from_doc(retried), True)
                    else:
                        again.append(identity)  # another submitter re-queued it first: read it again
            if new:
                now = timestamp()
                records = [Record.new(image_id, image.identity, image.source, now, url=image.url, key=image.key,
                                      name=image.name, callbacks=callbacks).replace(output=image.output)
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
        answers = [results[identity] for identity in wanted]
        if callback_url:
            self._tell_about_known(callback_url, [record for record, created in answers if not created])
        self._announce([record.id for record, created in answers if created])
        return answers

    def _tell_about_known(self, callback_url: str, records: list[Record]) -> None:
        """A callback for images that were already there: a pending one tells it when it ends, a processed one
        now."""
        pending = [record.id for record in records if record.status is Status.PENDING]
        if pending:
            self._images.update_many({"_id": {"$in": pending}, "status": Status.PENDING.value},
                                     {"$addToSet": {"callbacks": callback_url}})
        for record in records:
            if record.status is Status.PROCESSED:
                self.webhooks.enqueue(record, [callback_url])

    @unavailable
    def get(self, image_id: int) -> Record | None:
        doc = self._images.find_one({"_id": image_id})
        return Record.from_doc(doc) if doc else None

    def require(self, image_id: int) -> Record:
        """The record, or ImageNotFound (a 404) naming the id."""
        record = self.get(image_id)
        if record is None:
            raise ImageNotFound(f"no image with id {image_id}")
        return record

    @unavailable
    def find_by_identity(self, identity: str) -> Record | None:
        doc = self._images.find_one({"identity": identity})
        return Record.from_doc(doc) if doc else None

    @unavailable
    def get_many(self, image_ids: Iterable[int]) -> list[Record]:
        """The records that exist among `image_ids`, in the order asked."""
        ids = list(dict.fromkeys(image_ids))
        found = {doc["_id"]: Record.from_doc(doc) for doc in self._images.find({"_id": {"$in": ids}})}
        return [found[i] for i in ids if i in found]

    @unavailable
    def page(self, limit: int, cursor: int | None = None, status: Status | None = None,
             text: str | None = None) -> Page:
        """Up to `limit` records, newest first, with ids below `cursor`, of one status, whose name or URL contains
        `text` (any case). Ids only grow, so paging on stays right while images arrive: nothing repeats or is
        skipped (a new image shows on the first page).

        The ids are walked down in windows (4 pages' worth, doubling up to PAGE_WINDOW_MAX ids), one bounded range
        of the status_id index per status and window, until the page is full: on MongoDB each is an index range
        read stopping at `limit`; SecantusDB, which reads every candidate of a query before it limits, then reads
        about a window's records instead of them all.
        """
        statuses = [status] if status is not None else list(Status)
        top = cursor if cursor is not None else self._last_id() + 1
        span = 4 * (limit + 1)
        found: list[dict[str, Any]] = []
        while top > 1 and len(found) <= limit:
            bottom = max(1, top - span)
            window: list[dict[str, Any]] = []
            for wanted in statuses:
                query = {**self._catalogue_query(wanted, text), "_id": {"$gte": bottom, "$lt": top}}
                window += self._images.find(query).sort("_id", DESCENDING).limit(limit + 1 - len(found))
            found += sorted(window, key=lambda doc: doc["_id"], reverse=True)[:limit + 1 - len(found)]
            top, span = bottom, min(2 * span, PAGE_WINDOW_MAX)
        records = [Record.from_doc(doc) for doc in found[:limit]]
        return Page(records, records[-1].id if len(found) > limit else None)

    def _last_id(self) -> int:
        counter = self._counters.find_one({"_id": "images"})
        return int(counter["seq"]) if counter else 0

    @unavailable
    def count(self, query: Mapping[str, Any] | None = None) -> int:
        return self._images.count_documents(dict(query or {}))

    @unavailable
    def count_by_status(self, text: str | None = None) -> dict[Status, int]:
        """How many records have each status (among those whose name or URL contains `text`)."""
        return {status: self._images.count_documents(self._catalogue_query(status, text)) for status in Status}

    @staticmethod
    def _catalogue_query(status: Status | None, text: str | None) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if status is not None:
            query["status"] = status.value
        if text:
            # `search` is the name and URL in lower case (Record.to_doc): one field, so a status and id range
            # still select through the index before the pattern is tried.
            query["search"] = {"$regex": re.escape(text.lower())}
        return query

    @unavailable
    def mark_processed(self, image_id: int, shots: Sequence[Shot], skipped: Sequence[Skipped], people: int | None,
                       ambiguous: bool = False) -> Record | None:
        """Overwrites the outcome: running a job twice leaves one correct record."""
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$set": {"status": Status.PROCESSED.value, "shots": [s.to_doc() for s in shots],
                      "skipped": [s.to_doc() for s in skipped], "people": people, "ambiguous": ambiguous,
                      "error": None, "updatedAt": timestamp()}},
            return_document=ReturnDocument.AFTER,
        )
        return self._ended(doc)

    @unavailable
    def with_shots_under(self, prefix: Callable[[int], str]) -> list[Record]:
        """The processed records with a shot whose key starts with `prefix(id)`."""
        records = (Record.from_doc(doc) for doc in self._images.find({"status": Status.PROCESSED.value}))
        return [record for record in records if any(shot.key.startswith(prefix(record.id)) for shot in record.shots)]

    @unavailable
    def replace_shots(self, record: Record, shots: Sequence[Shot]) -> bool:
        """The shots' keys moved: the record's shots replaced unless it changed since it was read (a job wrote
        new ones). True when replaced."""
        result = self._images.update_one({"_id": record.id, "updatedAt": record.updated_at},
                                         {"$set": {"shots": [shot.to_doc() for shot in shots]}})
        return result.modified_count == 1

    @unavailable
    def mark_failed(self, image_id: int, reason: str) -> Record | None:
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$set": {"status": Status.FAILED.value, "shots": [], "skipped": [], "ambiguous": False, "error": reason,
                      "updatedAt": timestamp()}},
            return_document=ReturnDocument.AFTER,
        )
        return self._ended(doc)

    def _ended(self, doc: dict[str, Any] | None) -> Record | None:
        """An outcome was recorded: its webhooks (each callback once: taken from the record as they are queued)
        and its event."""
        if doc is None:
            return None  # deleted meanwhile
        record = Record.from_doc(doc)
        if record.callbacks:
            taken = self._images.find_one_and_update({"_id": record.id}, {"$set": {"callbacks": []}},
                                                     return_document=ReturnDocument.BEFORE)
            self.webhooks.enqueue(record, (taken or {}).get("callbacks") or [])
            record = record.replace(callbacks=())
        self._announce([record.id])
        return record

    @unavailable
    def requeue(self, image_id: int, output: OutputOptions | None = None) -> Record | None:
        """A processed or failed record made pending again (its views and reason cleared, its tries counted from
        0), for the worker to do again, with other output options if given; None when there is no such record or
        it is pending."""
        options = _output_fields(output) if output is not None else {}
        doc = self._images.find_one_and_update(
            {"_id": image_id, "status": {"$ne": Status.PENDING.value}},
            {"$set": {"status": Status.PENDING.value, "shots": [], "skipped": [], "people": None,
                      "ambiguous": False, "error": None, "attempts": 0, "updatedAt": timestamp(), **options},
             "$inc": {"run": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        self._announce([image_id])
        return Record.from_doc(doc)

    @unavailable
    def delete(self, image_id: int) -> Record | None:
        """Remove the record (None if there is none) and leave a tombstone: a job still queued for it is then
        dropped, not dead-lettered (`was_deleted`). The same file or URL submitted again is a new record."""
        doc = self._images.find_one_and_delete({"_id": image_id})
        if doc is None:
            return None
        self._deleted.update_one({"_id": image_id}, {"$set": {"deletedAt": timestamp()}}, upsert=True)
        if self._events is not None:
            self._events.deleted(image_id)
        return Record.from_doc(doc)

    @unavailable
    def was_deleted(self, image_id: int) -> bool:
        return self._deleted.find_one({"_id": image_id}) is not None

    @unavailable
    def record_attempt(self, image_id: int) -> int:
        """Counts one more try at the job; returns the new count (the worker bounds its retries with it)."""
        doc = self._images.find_one_and_update(
            {"_id": image_id},
            {"$inc": {"attempts": 1}, "$set": {"updatedAt": timestamp()}},
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["attempts"]) if doc else 0

    def _announce(self, image_ids: list[int]) -> None:
        if self._events is not None and image_ids:
            self._events.changed(image_ids)
