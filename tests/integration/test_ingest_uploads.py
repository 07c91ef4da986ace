"""POST /api/process with an image: judged by decoding, stored in S3 under its content hash, recorded and queued."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import io

import requests
from PIL import Image
from support.images import PHOTOS

from ingest_service import create_app as create_ingest_app
from status_service import create_app as create_status_app


def upload(client, data: bytes, filename: str = "photo.jpg"):
    return client.post("/api/process", data={"file": (io.BytesIO(data), filename)})


def test_an_uploaded_photo_is_stored_recorded_pending_and_queued_once(ingest_client, records, job_queue,
                                                                     media_links):
    photo = (PHOTOS / "bus.jpg").read_bytes()

    response = upload(ingest_client, photo, "bus.jpg")

    assert response.status_code == 202
    body = response.get_json()
    digest = hashlib.sha256(photo).hexdigest()
    key = f"uploads/{digest}.jpg"
    assert body == {"id": body["id"], "url": media_links.url(key), "status": "pending", "duplicate": False}
    record = records.get(body["id"])
    # The record keeps the key and the content hash, never an address: the URL is made when answering.
    assert (record.status, record.identity, record.key, record.source, record.url) == (
        "pending", f"sha256:{digest}", key, "upload", None)
    assert job_queue.depth() == 1
    # The stored original is the uploaded file, readable by anyone at the record's URL (what the page links to).
    public = requests.get(body["url"], timeout=5)
    assert public.status_code == 200 and public.content == photo
    assert public.headers["Content-Type"] == "image/jpeg"


def test_the_same_file_uploaded_again_is_the_same_record_and_is_not_queued_again(ingest_client, records, job_queue):
    photo = (PHOTOS / "grace_hopper.jpg").read_bytes()
    first = upload(ingest_client, photo, "hopper.jpg").get_json()

    # Another name and another declared type: the content decides.
    again = ingest_client.post("/api/process", data={"file": (io.BytesIO(photo), "other-name.png", "image/png")})

    assert again.status_code == 202
    assert again.get_json() == {**first, "duplicate": True}
    assert records.count() == 1
    assert job_queue.depth() == 1


def test_a_data_url_of_a_png_is_judged_by_its_bytes_and_stored_as_png(ingest_client, records, storage, media_links):
    photo = (PHOTOS / "basketball1.png").read_bytes()
    data_url = "data:image/jpeg;base64," + base64.b64encode(photo).decode()  # the declared type is wrong on purpose

    response = ingest_client.post("/api/process", json={"imageData": data_url})

    assert response.status_code == 202
    key = f"uploads/{hashlib.sha256(photo).hexdigest()}.png"
    assert response.get_json()["url"] == media_links.url(key)
    assert storage.get(key) == photo


def test_every_supported_format_is_accepted(ingest_client, records):
    base = Image.open(PHOTOS / "messi5.jpg").convert("RGB").resize((320, 200))
    for image_format in ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"):
        buffer = io.BytesIO()
        base.save(buffer, image_format)
        response = upload(ingest_client, buffer.getvalue(), f"photo.{image_format.lower()}")
        assert response.status_code == 202, (image_format, response.get_json())
    assert records.count() == 6


def test_a_failed_upload_submitted_again_is_queued_again(ingest_client, records, job_queue):
    photo = (PHOTOS / "messi5.jpg").read_bytes()
    first = upload(ingest_client, photo).get_json()
    records.mark_failed(first["id"], "no person found in the image")

    again = upload(ingest_client, photo)

    assert again.status_code == 202
    assert again.get_json() == {**first, "status": "pending", "duplicate": False}
    assert records.get(first["id"]).error is None
    assert job_queue.depth() == 2


def test_the_same_file_uploaded_at_two_public_addresses_is_one_image_readable_at_either(api_settings, records):
    """PoseCraft served at another address (another port, another host name) must not make a known file new."""
    photo = (PHOTOS / "bus.jpg").read_bytes()
    here = dataclasses.replace(api_settings, s3_public_url="http://127.0.0.1:8080/media")
    there = dataclasses.replace(api_settings, s3_public_url="http://posecraft.example:9080/media")

    first = upload(create_ingest_app(here).test_client(), photo).get_json()
    second = upload(create_ingest_app(there).test_client(), photo).get_json()

    assert second["id"] == first["id"] and second["duplicate"] is True
    assert records.count() == 1
    key = records.get(first["id"]).key
    assert first["url"] == f"http://127.0.0.1:8080/media/{api_settings.s3_bucket}/{key}"
    assert second["url"] == f"http://posecraft.example:9080/media/{api_settings.s3_bucket}/{key}"
    status_there = create_status_app(there).test_client().get(f"/api/image-status/{first['id']}").get_json()
    assert status_there["url"] == second["url"]
