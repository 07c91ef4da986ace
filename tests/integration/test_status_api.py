"""GET /api/image-status/<id> and ?ids=: the shapes the page reads, 404 for unknown ids, 400 for malformed ones."""
from __future__ import annotations

import re

import pytest

from posecraft.records import MediaLinks, Shot, Skipped
from posecraft.stores.images import NewImage

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def test_a_pending_image_reads_back_as_submitted(ingest_client, status_client):
    submitted = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/p.jpg"}).get_json()

    response = status_client.get(f"/api/image-status/{submitted['id']}")

    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("id", "url", "status", "shots", "error")} == {
        "id": submitted["id"], "url": "https://example.com/p.jpg", "status": "pending", "shots": [], "error": None}
    assert ISO_UTC.fullmatch(body["createdAt"]) and ISO_UTC.fullmatch(body["updatedAt"])


def test_a_processed_image_shows_its_shots_and_a_failed_one_its_reason(records, status_client, api_settings):
    done, _ = records.submit(NewImage.for_url("https://example.com/done.jpg"))
    shot = Shot(label="neck", title="Neck View", key=f"views/{done.id}/neck.jpg", width=600, height=600,
                box=(10, 20, 610, 620), padded=True)
    records.mark_processed(done.id, [shot], [Skipped("waist", "Waist View", "the hips are not visible")], 1)
    broken, _ = records.submit(NewImage.for_url("https://example.com/broken.jpg"))
    records.mark_failed(broken.id, "the URL answered 404")

    processed = status_client.get(f"/api/image-status/{done.id}").get_json()
    failed = status_client.get(f"/api/image-status/{broken.id}").get_json()

    # The record keeps the key; the answer names the URL browsers read it at.
    view_url = MediaLinks.from_settings(api_settings).url(f"views/{done.id}/neck.jpg")
    assert (processed["status"], processed["shots"], processed["skipped"], processed["people"]) == (
        "processed",
        [{"label": "neck", "title": "Neck View", "url": view_url, "width": 600, "height": 600,
          "box": [10, 20, 610, 620], "lowResolution": False, "padded": True, "reach": None,
          "upscaled": False, "notes": []}],
        [{"label": "waist", "title": "Waist View", "reason": "the hips are not visible"}], 1)
    assert processed["error"] is None
    assert (failed["status"], failed["shots"], failed["error"]) == ("failed", [], "the URL answered 404")
    assert failed["updatedAt"] >= failed["createdAt"]


def test_an_unknown_id_is_404_with_a_reason(status_client):
    response = status_client.get("/api/image-status/424242")

    assert response.status_code == 404
    assert response.get_json() == {"error": "no image with id 424242"}


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1.5", "1e3", "9" * 30, "1/2", "%20"])
def test_a_malformed_id_is_400_with_a_reason(status_client, raw):
    response = status_client.get(f"/api/image-status/{raw}")

    assert response.status_code == 400
    assert "an image id is a positive whole number" in response.get_json()["error"]


def test_many_ids_in_one_call_answer_in_the_order_asked_and_list_the_missing(records, status_client):
    ids = [records.submit(NewImage.for_url(f"https://example.com/{i}.jpg"))[0].id for i in range(3)]

    response = status_client.get(f"/api/image-status?ids={ids[2]},{ids[0]},999999,{ids[1]},{ids[0]}")

    assert response.status_code == 200
    body = response.get_json()
    assert [item["id"] for item in body["items"]] == [ids[2], ids[0], ids[1]]
    assert body["missing"] == [999999]


@pytest.mark.parametrize("query, reason", [
    ("", "pass the ids to look up as ?ids=1,2,3"),
    ("?ids=", "ids is empty"),
    ("?ids=1,x,3", "not 'x'"),
])
def test_a_bad_ids_query_is_400_with_a_reason(status_client, query, reason):
    response = status_client.get(f"/api/image-status{query}")

    assert response.status_code == 400
    assert reason in response.get_json()["error"]


def test_more_ids_than_the_limit_are_refused(status_client, api_settings):
    ids = ",".join(str(i) for i in range(1, api_settings.max_status_ids + 2))

    response = status_client.get(f"/api/image-status?ids={ids}")

    assert response.status_code == 400
    assert response.get_json()["error"] == (
        f"{api_settings.max_status_ids + 1} ids asked for; at most {api_settings.max_status_ids} in one call")
