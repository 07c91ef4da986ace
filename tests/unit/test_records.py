"""posecraft.records: the record's document round trip, its status object, and the schema-1 rewrite."""
from __future__ import annotations

from datetime import UTC, datetime

from posecraft.records import MediaLinks, Record, Shot, Skipped, Source, Status, migrate_document, status_object

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
    assert record.to_doc()["schema"] == 2


def test_the_status_object_names_urls_under_the_public_base_and_keeps_every_view_attribute():
    answer = status_object(processed_upload(), LINKS)

    assert answer["url"] == "https://posecraft.example/media/posecraft/uploads/" + "ab" * 32 + ".jpg"
    assert answer["shots"] == [{"label": "length", "title": "Length View",
                                "url": "https://posecraft.example/media/posecraft/views/7/length.jpg",
                                "width": 600, "height": 800, "box": [0, 10, 600, 810], "lowResolution": False,
                                "padded": True, "reach": "knees"}]
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
