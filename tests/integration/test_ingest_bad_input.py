"""Bad input to the ingest endpoints: the specific 4xx with a reason a user can act on, and nothing recorded,
stored or queued."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image
from support.images import PHOTOS, png_claiming

JPEG = (PHOTOS / "bus.jpg").read_bytes()




def _noise_png(min_bytes: int) -> bytes:
    side = int((min_bytes / 3) ** 0.5) + 64
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


@pytest.fixture
def nothing_recorded(records, job_queue, storage):
    """Asserts, after the test's request, that no record, message or stored upload came of it."""
    def check(data: bytes | None = None):
        assert records.count() == 0
        assert job_queue.depth() == 0
        if data is not None:
            digest = hashlib.sha256(data).hexdigest()
            assert not [k for k in storage.list_keys(f"uploads/{digest}")]
    return check


UPLOADS = {
    "text named .jpg": (b"just some text, not a photo\n", "photo.jpg", 415,
                        "not an image: the data looks like text/plain"),
    "an HTML page": (b"<!doctype html><html><body>hi</body></html>", "photo.jpg", 415, "text/html"),
    "a PDF": (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "photo.jpg", 415, "PDF"),
    "an empty file": (b"", "photo.jpg", 415, "empty file"),
    "a truncated JPEG": (JPEG[: len(JPEG) // 2], "photo.jpg", 422, "truncated"),
    "a 64k x 64k PNG of a few KB": (png_claiming(65_000, 65_000), "bomb.png", 422, "pixels"),
}


@pytest.mark.parametrize("data, filename, status, reason", UPLOADS.values(), ids=UPLOADS.keys())
def test_a_bad_upload_is_refused_with_its_reason_and_nothing_is_recorded(
        ingest_client, nothing_recorded, data, filename, status, reason):
    response = ingest_client.post("/api/process", data={"file": (io.BytesIO(data), filename, "image/jpeg")})

    assert response.status_code == status
    assert reason in response.get_json()["error"]
    nothing_recorded(data)


def test_an_over_size_file_is_refused_with_413_naming_the_limit(ingest_client, api_settings, nothing_recorded):
    data = _noise_png(api_settings.max_upload_bytes + 1)

    response = ingest_client.post("/api/process", data={"file": (io.BytesIO(data), "big.png")})

    assert response.status_code == 413
    assert f"({api_settings.max_upload_bytes} bytes)" in response.get_json()["error"]
    nothing_recorded(data)


URLS = {
    "ftp": ("ftp://example.com/photo.jpg", "only http and https"),
    "no host": ("http:///photo.jpg", "no host"),
    "relative": ("/images/photo.jpg", "must be absolute"),
    "3000 characters": ("https://example.com/" + "a" * 2980, "at most 2048"),
    "loopback literal": ("http://127.0.0.2/photo.jpg", "loopback"),
    "cloud metadata": ("http://169.254.169.254/latest/meta-data/", "link-local"),
    "a number": (12345, "must be a string"),
}


@pytest.mark.parametrize("url, reason", URLS.values(), ids=URLS.keys())
def test_a_bad_image_url_is_refused_with_400_and_its_reason(ingest_client, nothing_recorded, url, reason):
    response = ingest_client.post("/api/process", json={"imageUrl": url})

    assert response.status_code == 400
    assert reason in response.get_json()["error"]
    nothing_recorded()


BODIES = {
    "malformed JSON": ("/api/process", '{"imageUrl": "https://example.com/a.jpg"', "application/json", 400,
                       "not valid JSON"),
    "wrong field name": ("/api/process", '{"url": "https://example.com/a.jpg"}', "application/json", 400,
                         'must have "imageUrl" or "imageData"; its keys are: "url"'),
    "both fields": ("/api/process", '{"imageUrl": "https://e.com/a.jpg", "imageData": "data:,"}', "application/json",
                    400, "only one of"),
    "a JSON array": ("/api/process", '["https://example.com/a.jpg"]', "application/json", 400, "JSON object"),
    "not a data URL": ("/api/process", '{"imageData": "aGVsbG8="}', "application/json", 400, "must be a data URL"),
    "bad base64": ("/api/process", '{"imageData": "data:image/png;base64,@@@"}', "application/json", 400,
                   "not valid base64"),
    "plain text body": ("/api/process", "https://example.com/a.jpg", "text/plain", 415, "send application/json"),
    "multipart without a file field": ("/api/process", None, None, 400, "multipart field named 'file'"),
    "multipart text instead of a file": ("/api/process",
                                         '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n' + "a" * 600_000
                                         + "\r\n--x--\r\n", "multipart/form-data; boundary=x", 400,
                                         "holds text, not a file"),
    "batch: malformed JSON": ("/api/process-batch", "{imageUrls: []}", "application/json", 400, "not valid JSON"),
    "batch: wrong field name": ("/api/process-batch", '{"urls": ["https://e.com/a.jpg"]}', "application/json", 400,
                                'must have "imageUrls"'),
    "batch: empty": ("/api/process-batch", '{"imageUrls": []}', "application/json", 400, "imageUrls is empty"),
    "batch: not an array": ("/api/process-batch", '{"imageUrls": "https://e.com/a.jpg"}', "application/json", 400,
                            "must be an array"),
    "batch: form body": ("/api/process-batch", "imageUrls=x", "application/x-www-form-urlencoded", 415,
                         "send application/json"),
}


@pytest.mark.parametrize("path, body, content_type, status, reason", BODIES.values(), ids=BODIES.keys())
def test_a_malformed_request_is_refused_with_its_reason(
        ingest_client, nothing_recorded, path, body, content_type, status, reason):
    if body is None:
        response = ingest_client.post(path, data={"image": (io.BytesIO(JPEG), "bus.jpg")})
    else:
        response = ingest_client.post(path, data=body, content_type=content_type)

    assert response.status_code == status
    assert reason in response.get_json()["error"]
    nothing_recorded()


def test_a_batch_of_101_urls_is_refused_whole(ingest_client, nothing_recorded):
    urls = [f"https://example.com/{i}.jpg" for i in range(101)]

    response = ingest_client.post("/api/process-batch", json={"imageUrls": urls})

    assert response.status_code == 400
    assert response.get_json()["error"] == "imageUrls has 101 URLs; at most 100 are accepted in one batch"
    nothing_recorded()


def test_one_invalid_url_refuses_the_whole_batch_and_lists_each_bad_url(ingest_client, nothing_recorded):
    urls = ["https://example.com/ok.jpg", "ftp://example.com/a.jpg", "https://example.com/ok2.jpg", "/relative.jpg"]

    response = ingest_client.post("/api/process-batch", json={"imageUrls": urls})

    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "2 of 4 URLs are invalid; nothing was submitted"
    assert body["invalid"] == [
        {"url": "ftp://example.com/a.jpg", "reason": "only http and https URLs can be fetched, not ftp:"},
        {"url": "/relative.jpg", "reason": "the URL must be absolute, starting with http:// or https://"},
    ]
    nothing_recorded()
