"""Records written by the first version (absolute URLs in the record, dedupe on the upload's URL) are rewritten on
start: keys instead of URLs, the content hash as an upload's identity. tests/data/records_v1.json is a database
that version wrote (two uploads processed, a URL pending, a URL failed)."""
from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from pymongo import ASCENDING, MongoClient
from support.images import PHOTOS

from ingest_service import create_app as create_ingest_app
from posecraft.stores.images import ImageRepository
from posecraft.stores.storage import Storage
from status_service import create_app as create_status_app

DATA = Path(__file__).parents[1] / "data" / "records_v1.json"


def _dates(doc):
    if isinstance(doc, dict):
        if set(doc) == {"$date"}:
            return datetime.fromisoformat(doc["$date"])
        return {k: _dates(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_dates(v) for v in doc]
    return doc


@pytest.fixture
def v1_settings(settings):
    """A database as the first version left it, with that version's unique index on `url`."""
    own = dataclasses.replace(settings, mongo_db=f"v1_{uuid.uuid4().hex[:10]}", queue_name=f"v1.{uuid.uuid4().hex}",
                              s3_public_url="http://127.0.0.1:9080/media", s3_bucket=f"v1-{uuid.uuid4().hex[:10]}")
    Storage.from_settings(own).ensure_bucket()  # its views/<id>/ objects must not meet the stack's
    dump = json.loads(DATA.read_text())
    client = MongoClient(own.mongo_url, directConnection=True)
    db = client[own.mongo_db]
    db.images.insert_many([_dates(doc) for doc in dump["images"]])
    db.counters.insert_many(dump["counters"])
    db.images.create_index([("url", ASCENDING)], unique=True, name="url_unique")
    client.close()
    return own


def test_first_version_records_read_back_with_keys_and_urls_of_the_address_answering(v1_settings):
    repository = ImageRepository.from_settings(v1_settings)
    assert repository.prepare() == 4

    upload, other_upload, pending, failed = repository.get_many([1, 2, 3, 4])
    assert upload.identity.startswith("sha256:") and upload.url is None
    assert upload.key == f"uploads/{upload.identity.removeprefix('sha256:')}.jpg"
    assert [shot.key for shot in upload.shots] == [f"views/1/{label}.jpg"
                                                  for label in ("neck", "sleeve", "zoom", "waist", "length")]
    assert all(shot.padded is False for shot in upload.shots)
    assert [s.label for s in other_upload.skipped] == ["sleeve", "zoom", "waist", "length"]
    assert (pending.identity, pending.url, pending.status) == (
        "https://images.example.com/catalogue/look-12.jpg?token=abc",) * 2 + ("pending",)
    assert (failed.status, failed.error) == ("failed", "the URL answered 404 Not Found")
    assert repository.prepare() == 0  # a second start finds nothing to rewrite

    status = create_status_app(v1_settings).test_client().get("/api/image-status/1").get_json()
    base = f"http://127.0.0.1:9080/media/{v1_settings.s3_bucket}"
    assert status["url"] == f"{base}/{upload.key}"
    assert status["shots"][0]["url"] == f"{base}/views/1/neck.jpg"
    repository.close()


def test_the_file_behind_a_migrated_upload_is_a_duplicate_not_a_new_image(v1_settings):
    ingest = create_ingest_app(v1_settings).test_client()  # migrates on its first submission

    again = ingest.post("/api/process", data={"file": (io.BytesIO((PHOTOS / "bus.jpg").read_bytes()), "bus.jpg")})

    assert again.status_code == 202
    assert (again.get_json()["id"], again.get_json()["duplicate"]) == (1, True)
    fresh = ingest.post("/api/process", json={"imageUrl": "https://images.example.com/new.jpg"}).get_json()
    assert fresh["id"] == 5  # the id counter carried on


def migrate_cli(settings, backing_services) -> subprocess.CompletedProcess:
    env = {**backing_services.env(), "MONGO_DB": settings.mongo_db, "S3_BUCKET": settings.s3_bucket}
    return subprocess.run([sys.executable, "-m", "posecraft.cli", "migrate"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_posecraft_migrate_rewrites_the_records_and_says_how_many(v1_settings, backing_services):
    done = migrate_cli(v1_settings, backing_services)

    assert done.returncode == 0, done.stderr
    # The output changed with the view tokens: it also says how many records' views moved (the two processed ones:
    # their shots point under their tokens now, though no object of theirs is stored in this test).
    assert done.stdout.strip() == (f"4 image records migrated to the current schema in {v1_settings.mongo_db}; "
                                   "the views of 2 moved under their view tokens in S3")


def test_posecraft_migrate_moves_views_from_guessable_keys_under_each_records_token(v1_settings, backing_services):
    storage = Storage.from_settings(v1_settings)
    old_keys = {image_id: [f"views/{image_id}/{label}.jpg" for label in labels]
                for image_id, labels in {1: ("neck", "sleeve", "zoom", "waist", "length"), 2: ("neck",)}.items()}
    for keys in old_keys.values():
        for key in keys:
            storage.put(key, f"jpeg of {key}".encode(), "image/jpeg")

    done = migrate_cli(v1_settings, backing_services)
    again = migrate_cli(v1_settings, backing_services)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("the views of 2 moved under their view tokens in S3")
    assert again.stdout.strip().endswith("the views of 0 moved under their view tokens in S3")
    repository = ImageRepository.from_settings(v1_settings)
    first, second = repository.get_many([1, 2])
    assert first.view_token != second.view_token
    for record in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", record.view_token)
        assert storage.list_keys(f"views/{record.id}/") == []  # the guessable keys answer 404 now
        for shot, old in zip(record.shots, old_keys[record.id], strict=True):
            assert shot.key == f"views/{record.id}-{record.view_token}/{shot.label}.jpg"
            assert storage.get(shot.key) == f"jpeg of {old}".encode()
    repository.close()
