"""Bad input sent where a user sends it, through nginx to the services under gunicorn: the service's own JSON
reason comes back (not an nginx page), and nothing is recorded."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from posecraft.stores.images import ImageRepository

JPEG = (Path(__file__).parents[1] / "photos" / "bus.jpg").read_bytes()

CASES = {
    "text named .jpg": ("post", "/api/process", {"files": {"file": ("photo.jpg", b"hello, not a photo", "image/jpeg")}},
                        415, "not an image"),
    "truncated JPEG": ("post", "/api/process", {"files": {"file": ("photo.jpg", JPEG[:40_000], "image/jpeg")}},
                       422, "truncated"),
    "ftp URL": ("post", "/api/process", {"json": {"imageUrl": "ftp://example.com/a.jpg"}}, 400, "only http and https"),
    "malformed JSON": ("post", "/api/process-batch",
                       {"data": b'{"imageUrls": [', "headers": {"Content-Type": "application/json"}},
                       400, "not valid JSON"),
    "101 URLs": ("post", "/api/process-batch", {"json": {"imageUrls": [f"https://e.com/{i}" for i in range(101)]}},
                 400, "at most 100"),
    "malformed id": ("get", "/api/image-status/abc", {}, 400, "positive whole number"),
    "unknown id": ("get", "/api/image-status/987654321", {}, 404, "no image with id 987654321"),
}


@pytest.fixture(scope="module")
def repository(system):
    repository = ImageRepository.from_settings(system.settings)
    yield repository
    repository.close()


@pytest.mark.parametrize("method, path, kwargs, status, reason", CASES.values(), ids=CASES.keys())
def test_bad_input_through_nginx_gets_the_services_json_reason_and_records_nothing(
        system, repository, method, path, kwargs, status, reason):
    before = repository.count()

    response = requests.request(method, system.base_url + path, timeout=30, **kwargs)

    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert reason in response.json()["error"]
    assert repository.count() == before


def test_the_openapi_spec_is_published_through_nginx(system):
    response = requests.get(system.base_url + "/api/openapi.json", timeout=10)

    assert response.status_code == 200
    assert "/api/process-batch" in response.json()["paths"]
