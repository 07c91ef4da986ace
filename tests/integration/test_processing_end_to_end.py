"""Submit through nginx, let the real worker process the image, read the outcome through nginx: what a user does.

Every URL and upload here is made unique to the test (a query string, a JPEG comment), so records left by
other tests in the same stack never turn a submission into a duplicate by accident.
"""
from __future__ import annotations

import io
import time
import uuid

import requests
from PIL import Image
from support.images import PHOTOS

from posecraft.stores.queue import JobQueue


def unique(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}run={uuid.uuid4().hex}"


def unique_jpeg(name: str) -> bytes:
    """The photo re-encoded with a unique comment: the same picture, new bytes (so not a duplicate upload)."""
    out = io.BytesIO()
    Image.open(PHOTOS / name).save(out, "JPEG", quality=95, comment=uuid.uuid4().hex.encode())
    return out.getvalue()


def wait_for_outcomes(base_url: str, ids: list[int], timeout: float = 60) -> dict[int, dict]:
    deadline = time.monotonic() + timeout
    while True:
        answer = requests.get(f"{base_url}/api/image-status", params={"ids": ",".join(map(str, ids))}, timeout=10)
        assert answer.status_code == 200, answer.text
        items = {item["id"]: item for item in answer.json()["items"]}
        if all(items[i]["status"] != "pending" for i in ids):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending after {timeout} s: {[i for i in ids if items[i]['status'] == 'pending']}")
        time.sleep(0.25)


def submit_batch(base_url: str, urls: list[str]) -> list[dict]:
    answer = requests.post(f"{base_url}/api/process-batch", json={"imageUrls": urls}, timeout=30)
    assert answer.status_code == 202, answer.text
    return answer.json()["items"]


def test_an_uploaded_photo_is_processed_and_every_view_is_served_at_its_recorded_size(system):
    answer = requests.post(f"{system.base_url}/api/process",
                           files={"file": ("model.jpg", unique_jpeg("bus.jpg"), "image/jpeg")}, timeout=30)
    assert answer.status_code == 202, answer.text
    submitted = answer.json()
    assert (submitted["status"], submitted["duplicate"]) == ("pending", False)

    record = wait_for_outcomes(system.base_url, [submitted["id"]])[submitted["id"]]

    assert record["status"] == "processed", record["error"]
    assert record["error"] is None
    assert {shot["label"] for shot in record["shots"]} == {"neck", "sleeve", "zoom", "waist", "length", "onwhite"}
    # What the engine found reaches the record: bus.jpg's man is seen head to feet, beside a second person.
    assert {shot["label"]: shot["reach"] for shot in record["shots"]}["length"] == "feet"
    assert all(isinstance(shot["padded"], bool) for shot in record["shots"])
    assert record["people"] >= 2 and isinstance(record["ambiguous"], bool)
    for shot in record["shots"]:
        assert shot["url"].startswith(f"{system.base_url}/media/")
        view = requests.get(shot["url"], timeout=10)
        assert view.status_code == 200, shot["url"]
        image = Image.open(io.BytesIO(view.content))
        image.load()
        assert image.size == (shot["width"], shot["height"]), shot["label"]
        x0, y0, x1, y1 = shot["box"]
        assert (x1 - x0, y1 - y0) == (shot["width"], shot["height"])


def test_a_batch_of_urls_is_processed_and_the_same_batch_again_is_all_duplicate_with_no_new_job(
        system, local_origin):
    urls = [unique(local_origin.photo_url(name)) for name in ("messi5.jpg", "basketball1.png", "astronaut.png")]

    first = submit_batch(system.base_url, urls)
    assert [(item["url"], item["status"], item["duplicate"]) for item in first] == \
        [(url, "pending", False) for url in urls]
    ids = [item["id"] for item in first]
    records = wait_for_outcomes(system.base_url, ids)
    assert [records[i]["status"] for i in ids] == ["processed"] * 3, [records[i]["error"] for i in ids]
    assert all(records[i]["shots"] for i in ids)

    # With the worker stopped, a job queued by the second submission would wait in the queue where we can see it.
    system.stop("worker")
    try:
        again = submit_batch(system.base_url, urls)
        assert [(item["id"], item["status"], item["duplicate"]) for item in again] == \
            [(i, "processed", True) for i in ids]
        assert JobQueue.from_settings(system.settings).depth() == 0
    finally:
        system.start_worker()
    assert wait_for_outcomes(system.base_url, ids) == records


def test_urls_that_answer_404_hang_or_return_html_end_failed_with_that_reason(system, local_origin):
    timeout = f"{system.settings.fetch_read_timeout:g}"
    expected = {
        unique(local_origin.url("status/404")): "the URL answered 404",
        unique(local_origin.url("slow?seconds=6")): f"the URL did not answer within {timeout} s",
        unique(local_origin.url("html")): "not an image: got text/html",
    }

    items = submit_batch(system.base_url, list(expected))
    records = wait_for_outcomes(system.base_url, [item["id"] for item in items], timeout=90)

    assert {records[item["id"]]["url"]: (records[item["id"]]["status"], records[item["id"]]["error"])
            for item in items} == {url: ("failed", reason) for url, reason in expected.items()}
    assert all(not records[item["id"]]["shots"] for item in items)


def test_an_uploaded_photo_with_nobody_in_it_ends_failed_with_that_reason(system):
    landscape = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    out = io.BytesIO()
    landscape.save(out, "JPEG", quality=90, comment=uuid.uuid4().hex.encode())

    answer = requests.post(f"{system.base_url}/api/process",
                           files={"file": ("landscape.jpg", out.getvalue(), "image/jpeg")}, timeout=30)
    assert answer.status_code == 202, answer.text
    image_id = answer.json()["id"]

    record = wait_for_outcomes(system.base_url, [image_id])[image_id]

    assert (record["status"], record["error"], record["shots"]) == ("failed", "no person found in the image", [])


def test_the_same_photo_by_url_and_by_upload_gives_the_same_views(system, local_origin):
    name = "grace_hopper.jpg"
    url = unique(local_origin.photo_url(name))
    by_url = submit_batch(system.base_url, [url])[0]["id"]
    answer = requests.post(f"{system.base_url}/api/process",
                           files={"file": (name, (PHOTOS / name).read_bytes(), "image/jpeg")}, timeout=30)
    by_upload = answer.json()["id"]

    records = wait_for_outcomes(system.base_url, [by_url, by_upload])

    def views(record):
        return [(s["label"], s["width"], s["height"], s["box"]) for s in record["shots"]]

    assert records[by_url]["status"] == records[by_upload]["status"] == "processed"
    assert views(records[by_url]) == views(records[by_upload])
