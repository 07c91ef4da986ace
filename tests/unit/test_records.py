"""posecraft.records: the record's document round trip, its status object, and the schema-1 rewrite."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from posecraft.records import (
    MediaLinks,
    Record,
    Shot,
    Skipped,
    Source,
    Status,
    clean_name,
    migrate_document,
    name_from_url,
    status_object,
)

NOW = datetime(2026, 12, 1, 9, 30, 15, 123000, tzinfo=UTC)
LINKS = MediaLinks("https://posecraft.example/media/", "posecraft")


def processed_upload() -> Record:
    return Record.new(7, "sha256:" + "ab" * 32, Source.UPLOAD, NOW, key="uploads/" + "ab" * 32 + ".jpg").replace(
        status=Status.PROCESSED, people=2, ambiguous=True,
        shots=(Shot("length", "Length View", "views/7/length.jpg", 600, 800, (0, 10, 600, 810), padded=True,
                    reach="knees"),),
        skipped=(Skipped("sleeve", "Sleeve View", "needs the elbow: not visible"),))


def test_a_record_survives_its_document_unchanged():
    record = processed_upload()

    assert Record.from_doc(record.to_doc()) == record
    assert record.to_doc()["schema"] == 4


def test_the_status_object_names_urls_under_the_public_base_and_keeps_every_view_attribute():
    answer = status_object(processed_upload(), LINKS)

    assert answer["url"] == "https://posecraft.example/media/posecraft/uploads/" + "ab" * 32 + ".jpg"
    assert answer["shots"] == [{"label": "length", "title": "Length View",
                                "url": "https://posecraft.example/media/posecraft/views/7/length.jpg",
                                "width": 600, "height": 800, "box": [0, 10, 600, 810], "lowResolution": False,
                                "padded": True, "reach": "knees", "upscaled": False,
                                "notes": []}]
    assert answer["skipped"] == [{"label": "sleeve", "title": "Sleeve View", "reason": "needs the elbow: not visible"}]
    assert (answer["status"], answer["people"], answer["ambiguous"]) == ("processed", 2, True)
    assert answer["createdAt"] == "2026-12-01T09:30:15.123Z"


def test_a_submitted_url_answers_as_itself_whatever_the_public_base():
    record = Record.new(3, "https://shop.example/a.jpg", Source.URL, NOW, url="https://shop.example/a.jpg")

    assert status_object(record, LINKS)["url"] == "https://shop.example/a.jpg"


def test_a_schema_1_upload_gets_its_hash_as_identity_and_its_shots_get_keys():
    digest = "c0" * 32
    old = {"_id": 1, "url": f"http://127.0.0.1:8080/media/posecraft/uploads/{digest}.jpg", "source": "upload",
           "key": f"uploads/{digest}.jpg", "status": "processed",
           "shots": [{"label": "neck", "title": "Neck View", "url": "http://127.0.0.1:8080/media/posecraft/views/1/neck.jpg",
                      "width": 10, "height": 10, "box": [0, 0, 10, 10], "lowResolution": True}],
           "skipped": [], "people": 1, "error": None, "attempts": 1, "createdAt": NOW, "updatedAt": NOW}

    new = migrate_document(old, "posecraft")

    assert new is not None
    record = Record.from_doc(new)
    assert (record.identity, record.url, record.key) == (f"sha256:{digest}", None, f"uploads/{digest}.jpg")
    assert record.shots == (Shot("neck", "Neck View", "views/1/neck.jpg", 10, 10, (0, 0, 10, 10), low_resolution=True),)
    assert migrate_document(new, "posecraft") is None


def test_a_schema_1_shot_of_an_s3_address_without_the_bucket_in_the_path_still_gets_its_key():
    old = {"_id": 2, "url": "https://shop.example/b.jpg", "source": "url", "key": None, "status": "processed",
           "shots": [{"label": "zoom", "url": "https://posecraft.s3.amazonaws.com/views/2/zoom.webp", "width": 1,
                      "height": 1, "box": [0, 0, 1, 1]}], "createdAt": NOW, "updatedAt": NOW}

    new = migrate_document(old, "posecraft")

    assert new is not None
    assert new["identity"] == "https://shop.example/b.jpg"
    assert new["shots"][0]["key"] == "views/2/zoom.webp"


def test_a_schema_1_record_gets_the_last_path_segment_of_its_url_or_upload_and_its_id_as_name():
    url = {"_id": 4, "url": "https://shop.example/looks/Look%2012.JPG?w=800", "source": "url", "key": None,
           "status": "pending", "shots": [], "createdAt": NOW, "updatedAt": NOW}
    upload = {"_id": 5, "url": "http://127.0.0.1:8080/media/posecraft/uploads/" + "d1" * 32 + ".png",
              "source": "upload", "key": "uploads/" + "d1" * 32 + ".png", "status": "pending", "shots": [],
              "createdAt": NOW, "updatedAt": NOW}

    assert Record.from_doc(migrate_document(url, "posecraft")).name == "Look 12.JPG"
    assert Record.from_doc(migrate_document(upload, "posecraft")).name == "upload-5.png"


def test_a_schema_2_record_gains_its_name_and_nothing_else_changes():
    doc = processed_upload().to_doc()
    del doc["name"], doc["callbacks"]
    doc["schema"] = 2

    migrated = migrate_document(doc, "posecraft")

    assert migrated is not None
    assert {k: v for k, v in migrated.items() if k not in ("name", "callbacks", "schema")} == {
        k: v for k, v in doc.items() if k != "schema"}
    assert (migrated["name"], migrated["callbacks"], migrated["schema"]) == ("upload-7.jpg", [], 4)


def test_each_new_record_gets_its_own_128_bit_view_token():
    tokens = {Record.new(i, f"https://shop.example/{i}.jpg", Source.URL, NOW).view_token for i in range(100)}

    assert len(tokens) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", token) for token in tokens)


def test_a_schema_3_record_gains_a_view_token_and_nothing_else_changes():
    doc = processed_upload().to_doc()
    del doc["viewToken"]
    doc["schema"] = 3

    migrated = migrate_document(doc, "posecraft")

    assert migrated is not None and migrated["schema"] == 4
    assert re.fullmatch(r"[0-9a-f]{32}", migrated["viewToken"])
    assert {k: v for k, v in migrated.items() if k not in ("viewToken", "schema")} == {
        k: v for k, v in doc.items() if k != "schema"}


def test_every_status_object_names_its_image():
    named = Record.new(8, "sha256:" + "ee" * 32, Source.UPLOAD, NOW, key="uploads/" + "ee" * 32 + ".webp",
                       name="front.webp")
    unnamed = Record.new(9, "sha256:" + "ef" * 32, Source.UPLOAD, NOW, key="uploads/" + "ef" * 32 + ".webp")
    pasted = Record.new(10, "https://shop.example/a/b/", Source.URL, NOW, url="https://shop.example/a/b/")

    assert [status_object(r, LINKS)["name"] for r in (named, unnamed, pasted)] == ["front.webp", "upload-9.webp", "b"]


def test_a_file_name_keeps_only_its_last_part_and_no_control_characters():
    assert clean_name("C:\\fakepath\\look 01.jpg") == "look 01.jpg"
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("front\x00\n.jpg") == "front.jpg"
    assert clean_name("   ") is None and clean_name(None) is None
    assert len(clean_name("a" * 500) or "") == 200
    assert name_from_url("https://shop.example/") == "shop.example"
