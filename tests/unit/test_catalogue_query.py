"""posecraft.catalogue without services: the list's parameters, the names of ZIP entries; webhook signatures."""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from posecraft.catalogue import ListQuery, folder_names, stem, view_entries
from posecraft.errors import MalformedRequest
from posecraft.records import Record, Shot, Source, Status
from posecraft.webhooks import signature

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def record(image_id: int, name: str, labels=("neck", "length")) -> Record:
    return Record.new(image_id, f"https://shop.example/{image_id}", Source.URL, NOW, url=f"https://shop.example/{image_id}",
                      name=name).replace(status=Status.PROCESSED, shots=tuple(
                          Shot(label, label, f"views/{image_id}/{label}.jpg", 10, 10, (0, 0, 10, 10)) for label in labels))


def test_the_list_defaults_to_50_newest_of_every_status_with_the_counts():
    assert ListQuery.parse({}) == ListQuery(limit=50, cursor=None, status=None, text=None, counts=True)


def test_the_list_reads_every_parameter():
    assert ListQuery.parse({"limit": "200", "cursor": "1234", "status": "failed", "q": "  Look-01 ",
                            "counts": "false"}) == ListQuery(200, 1234, Status.FAILED, "Look-01", counts=False)


@pytest.mark.parametrize(("args", "reason"), [
    ({"limit": "0"}, "limit must be a whole number from 1 to 200, not '0'"),
    ({"limit": "201"}, "limit must be a whole number from 1 to 200, not '201'"),
    ({"limit": "ten"}, "limit must be a whole number from 1 to 200, not 'ten'"),
    ({"cursor": "abc"}, "cursor (the `next` of the page before) is a positive whole number, not 'abc'"),
    ({"status": "done"}, "status must be one of pending, processed, failed, not 'done'"),
    ({"q": "x" * 201}, "q is 201 characters long; at most 200 are searched for"),
    ({"counts": "no"}, "counts must be true or false, not 'no'"),
    ({"stauts": "failed"}, "unknown parameter 'stauts': this takes limit, cursor, status, q, counts"),
])
def test_a_bad_parameter_is_refused_with_the_reason(args, reason):
    with pytest.raises(MalformedRequest) as refused:
        ListQuery.parse(args)
    assert refused.value.reason == reason


def test_a_view_is_named_after_its_image_without_the_extension_and_its_label():
    assert view_entries(record(3, "Look 01.final.JPG")) == [
        ("Look 01.final-neck.jpg", "views/3/neck.jpg"), ("Look 01.final-length.jpg", "views/3/length.jpg")]


def test_a_name_that_is_no_safe_file_name_still_makes_one():
    assert stem('..\\a:b*?"<>|.png') == "_a_b_"
    assert stem(".hidden") == "hidden"  # unpacked, a leading dot would hide the file
    assert stem("...") == "image"


def test_two_images_of_the_same_name_get_two_folders():
    assert folder_names([record(1, "look.jpg"), record(2, "LOOK.png"), record(3, "other.jpg")]) == [
        "look", "LOOK-2", "other"]


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"id":1,"status":"processed"}'

    assert signature(body, "s3cret") == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
