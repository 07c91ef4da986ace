"""API keys (collection `api_keys`) and the secret sessions are signed with (collection `secrets`)."""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

from posecraft.errors import ServiceUnavailable
from posecraft.stores.mongo import database, timestamp, unavailable

KEY_PREFIX = "pck_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    # Keys are 256 random bits: a plain SHA-256 is enough (no dictionary to slow down), and lookups stay O(1).
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    name: str
    hash: str


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
        db = database(client, db_name)
        self._keys = db["api_keys"]
        self._secrets = db["secrets"]
        self._last_use_written: dict[str, float] = {}

    @unavailable
    def create(self, name: str) -> str:
        """A new key for `name`, returned once: only its hash is stored."""
        key = new_key()
        try:
            self._keys.insert_one({"_id": name, "hash": key_hash(key), "createdAt": timestamp(), "lastUsedAt": None})
        except DuplicateKeyError:
            raise KeyExists(f"a key named {name!r} exists: revoke it first, or choose another name") from None
        return key

    @unavailable
    def list(self) -> list[StoredKey]:
        return [StoredKey(doc["_id"], doc["createdAt"], doc.get("lastUsedAt"))
                for doc in self._keys.find().sort("createdAt", ASCENDING)]

    @unavailable
    def revoke(self, name: str) -> bool:
        return self._keys.delete_one({"_id": name}).deleted_count == 1

    @unavailable
    def find(self, hash: str) -> ApiKey | None:
        doc = self._keys.find_one({"hash": hash})
        if doc is None:
            return None
        now = time.monotonic()
        if now - self._last_use_written.get(doc["_id"], -self.LAST_USE_EVERY) >= self.LAST_USE_EVERY:
            self._last_use_written[doc["_id"]] = now
            self._keys.update_one({"_id": doc["_id"]}, {"$set": {"lastUsedAt": timestamp()}})
        return ApiKey(doc["_id"], doc["hash"])

    @unavailable
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
