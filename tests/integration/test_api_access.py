"""AUTH_REQUIRED=true: every /api route but health and sign-in needs an API key or the page's session, on the real
MongoDB; keys made and revoked with `posecraft keys`; a cross-site request riding the session cookie is refused."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
import uuid

import pytest

from ingest_service import create_app as create_ingest_app
from posecraft.http.auth import SESSION_COOKIE
from posecraft.stores.images import ImageRepository
from status_service import create_app as create_status_app

PAGE = "http://127.0.0.1:8080"


@pytest.fixture
def locked_settings(api_settings):
    return dataclasses.replace(api_settings, auth_required=True, cors_origins=("https://shop.example",))


@pytest.fixture
def api_keys(locked_settings):
    repository = ImageRepository.from_settings(locked_settings)
    yield repository.api_keys()
    repository.close()


@pytest.fixture
def status(locked_settings):
    return create_status_app(locked_settings).test_client()


@pytest.fixture
def ingest(locked_settings):
    return create_ingest_app(locked_settings).test_client()


def keys_cli(settings, backing_services, *args) -> subprocess.CompletedProcess:
    env = {**backing_services.env(), "MONGO_DB": settings.mongo_db}
    return subprocess.run([sys.executable, "-m", "posecraft.cli", "keys", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_without_a_key_every_api_route_is_401_with_a_reason_but_health_is_open(status, ingest):
    for answer in (status.get("/api/image-status/1"), status.get("/api/image-status?ids=1"),
                   ingest.post("/api/process", json={"imageUrl": "https://example.com/a.jpg"}),
                   ingest.post("/api/process-batch", json={"imageUrls": ["https://example.com/a.jpg"]}),
                   status.get("/api/openapi.json"), status.get("/api/media-access"), status.get("/api/presets")):
        assert answer.status_code == 401, answer.request.path
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert "API key" in answer.get_json()["error"]
    assert status.get("/healthz").status_code == 200
    assert ingest.get("/readyz").status_code == 200


def test_a_key_opens_the_api_by_either_header_and_a_wrong_one_does_not(status, ingest, api_keys):
    key = api_keys.create(f"editor-{uuid.uuid4().hex[:6]}")

    submitted = ingest.post("/api/process", json={"imageUrl": "https://example.com/k.jpg"},
                            headers={"Authorization": f"Bearer {key}"})
    read = status.get(f"/api/image-status/{submitted.get_json()['id']}", headers={"X-API-Key": key})
    wrong = status.get("/api/image-status/1", headers={"Authorization": f"Bearer {key}x"})

    assert submitted.status_code == 202 and read.status_code == 200
    assert wrong.status_code == 401 and "not valid" in wrong.get_json()["error"]


def test_a_revoked_key_and_its_sessions_are_refused_within_seconds(status, api_keys):
    name = f"leaver-{uuid.uuid4().hex[:6]}"
    key = api_keys.create(name)
    assert status.get("/api/image-status?ids=1", headers={"X-API-Key": key}).status_code == 200
    assert status.post("/api/session", json={"key": key}).status_code == 200

    assert api_keys.revoke(name)
    revoked = time.monotonic()
    while status.get("/api/image-status?ids=1", headers={"X-API-Key": key}).status_code != 401:
        assert time.monotonic() - revoked < 5, "a revoked key still opened the API after 5 s"
        time.sleep(0.2)
    assert status.get("/api/image-status?ids=1").status_code == 401  # the session signed in with it


def test_the_page_signs_in_once_and_rides_a_strict_http_only_cookie(status, ingest, api_keys):
    key = api_keys.create(f"page-{uuid.uuid4().hex[:6]}")

    bad = status.post("/api/session", json={"key": "pck_guess"})
    signed_in = status.post("/api/session", json={"key": key})
    cookie = signed_in.headers["Set-Cookie"]
    ingest.set_cookie(SESSION_COOKIE, status.get_cookie(SESSION_COOKIE).value)
    submitted = ingest.post("/api/process", json={"imageUrl": "https://example.com/s.jpg"},
                            headers={"Sec-Fetch-Site": "same-origin", "Origin": PAGE})
    read = status.get(f"/api/image-status/{submitted.get_json()['id']}")
    signed_out = status.delete("/api/session")

    assert bad.status_code == 401
    assert signed_in.status_code == 200 and signed_in.get_json()["signedIn"] is True
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie  # plain http here
    assert submitted.status_code == 202 and read.status_code == 200
    assert signed_out.status_code == 204
    assert status.get("/api/image-status?ids=1").status_code == 401


def test_over_https_the_session_cookie_is_secure(status, api_keys):
    key = api_keys.create(f"tls-{uuid.uuid4().hex[:6]}")

    signed_in = status.post("/api/session", json={"key": key}, headers={"X-Forwarded-Proto": "https"})

    assert "Secure" in signed_in.headers["Set-Cookie"]


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://other.posecraft.example"},
    {"Origin": "https://evil.example"},  # a browser too old to send Sec-Fetch-Site
])
def test_a_state_changing_request_from_another_site_riding_the_cookie_is_403(ingest, api_keys, headers):
    key = api_keys.create(f"victim-{uuid.uuid4().hex[:6]}")
    assert ingest.post("/api/session", json={"key": key}).status_code == 200

    forged = ingest.post("/api/process", data={"file": (b"x", "a.jpg")}, headers=headers)

    assert forged.status_code == 403
    assert "another site" in forged.get_json()["error"]


def test_a_cors_origin_uses_a_key_and_its_preflight_needs_none(ingest, api_keys):
    key = api_keys.create(f"shop-{uuid.uuid4().hex[:6]}")
    origin = {"Origin": "https://shop.example"}

    preflight = ingest.options("/api/process", headers={**origin, "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "authorization"})
    with_key = ingest.post("/api/process", json={"imageUrl": "https://example.com/c.jpg"},
                           headers={**origin, "Authorization": f"Bearer {key}", "Sec-Fetch-Site": "cross-site"})

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "Access-Control-Allow-Credentials" not in preflight.headers  # cookies never cross origins
    assert with_key.status_code == 202


def test_posecraft_keys_creates_lists_and_revokes_and_never_shows_a_stored_key(locked_settings, backing_services,
                                                                              api_keys):
    name = f"cli-{uuid.uuid4().hex[:6]}"

    created = keys_cli(locked_settings, backing_services, "create", name)
    listed = keys_cli(locked_settings, backing_services, "list")
    again = keys_cli(locked_settings, backing_services, "create", name)
    revoked = keys_cli(locked_settings, backing_services, "revoke", name)
    unknown = keys_cli(locked_settings, backing_services, "revoke", name)

    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("pck_") and len(key) >= 4 + 43  # 32 random bytes, URL-safe base64
    assert name in listed.stdout and key not in listed.stdout and "last used never" in listed.stdout
    assert again.returncode == 1 and "exists" in again.stderr
    assert revoked.returncode == 0 and unknown.returncode == 1
    assert name not in [stored.name for stored in api_keys.list()]
