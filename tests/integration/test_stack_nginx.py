"""nginx in front of the running system: the page, the API, the stored images, and JSON for every error."""
from __future__ import annotations

import requests

from posecraft.devstack.configs import WEB_DIST
from posecraft.records import MediaLinks
from posecraft.stores.images import ImageRepository
from posecraft.stores.storage import Storage


def _built(path: str):
    built = WEB_DIST / path
    assert built.exists(), f"{built} is missing: the page is built by `make install` (npm run build in web/)"
    return built


def _records(settings) -> int:
    repository = ImageRepository.from_settings(settings)
    try:
        return repository.count()
    finally:
        repository.close()


def test_healthz_through_nginx_answers_200_json(system):
    response = requests.get(f"{system.base_url}/healthz", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "ok"


def test_readyz_through_nginx_reports_mongodb_redis_and_s3_reachable(system):
    response = requests.get(f"{system.base_url}/readyz", timeout=10)

    assert response.status_code == 200
    assert response.json()["checks"] == {"mongodb": "ok", "redis": "ok", "s3": "ok"}


def test_the_page_is_served_at_root_and_every_app_route_falls_back_to_it(system):
    index = _built("index.html").read_text()

    root = requests.get(f"{system.base_url}/", timeout=5)
    deep_link = requests.get(f"{system.base_url}/images/7", timeout=5)

    assert root.status_code == 200 and root.text == index
    assert root.headers["Content-Type"].startswith("text/html")
    assert deep_link.status_code == 200 and deep_link.text == index


def test_the_page_assets_are_served_and_cached_for_good(system):
    asset = next(_built("assets").glob("*.js"))

    response = requests.get(f"{system.base_url}/assets/{asset.name}", timeout=5)

    assert response.status_code == 200
    assert response.content == asset.read_bytes()
    assert "immutable" in response.headers["Cache-Control"]


def test_an_upload_over_the_limit_is_refused_by_nginx_with_a_json_413_and_nothing_is_recorded(system):
    limit = system.settings.max_upload_bytes
    before = _records(system.settings)

    response = requests.post(f"{system.base_url}/api/process",
                             files={"file": ("big.jpg", b"\xff" * (limit + 1), "image/jpeg")}, timeout=30)

    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    assert str(limit) in response.json()["error"]
    assert _records(system.settings) == before


def test_an_upload_just_under_the_limit_passes_nginx_and_is_judged_by_the_ingest_service(system):
    # The same setting sizes both limits: a body nginx lets through is the service's to judge (here: not an image).
    body = b"\x00" * (system.settings.max_upload_bytes - 4096)

    response = requests.post(f"{system.base_url}/api/process",
                             files={"file": ("almost.jpg", body, "image/jpeg")}, timeout=30)

    assert response.status_code in (415, 422)
    assert "image" in response.json()["error"]


def test_a_service_that_is_down_is_a_json_502_with_a_reason_not_an_html_page(system):
    system.stop("status")
    try:
        response = requests.get(f"{system.base_url}/api/image-status/1", timeout=5)
    finally:
        system.start("status")

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("application/json")
    assert "not running" in response.json()["error"]


def test_stored_images_are_readable_under_media_but_not_writable_or_listable(system):
    storage = Storage.from_settings(system.settings)
    storage.put("views/stack-test/neck.jpg", b"\xff\xd8 jpeg bytes", "image/jpeg")
    url = MediaLinks.from_settings(system.settings).url("views/stack-test/neck.jpg")
    bucket_url = f"{system.base_url}/media/{system.settings.s3_bucket}"

    assert url == f"{bucket_url}/views/stack-test/neck.jpg"
    image = requests.get(url, timeout=5)
    assert image.status_code == 200
    assert image.content == b"\xff\xd8 jpeg bytes" and image.headers["Content-Type"] == "image/jpeg"

    for response, status in (
        (requests.put(f"{bucket_url}/views/stack-test/other.jpg", data=b"x", timeout=5), 403),
        (requests.get(f"{bucket_url}/", timeout=5), 403),
        (requests.get(f"{bucket_url}/views/stack-test/missing.jpg", timeout=5), 404),
    ):
        assert response.status_code == status
        assert "error" in response.json()


def test_an_unknown_api_path_is_a_json_404(system):
    response = requests.get(f"{system.base_url}/api/no-such-endpoint", timeout=5)

    assert response.status_code == 404
    assert "error" in response.json()
