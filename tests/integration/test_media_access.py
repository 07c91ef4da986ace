"""/media through nginx: uploaded originals are private when AUTH_REQUIRED is true (auth_request to the status
service's /api/media-access); views are public but unguessable (`views/<id>-<token>/...`). For the private-original
tests the stack's status service is restarted with AUTH_REQUIRED=true (nginx asks it, and only it, whether a request
may read an original), then restarted as it was."""
from __future__ import annotations

import dataclasses
import io
import re
import uuid

import pytest
import requests
from support.catalogue import fresh_photo, wait_for_status
from support.images import PHOTOS

from posecraft.records import MediaLinks
from posecraft.stores.images import ImageRepository
from posecraft.stores.storage import Storage


@pytest.fixture
def locked(system):
    unlocked = system.settings
    system.stop("status")
    system.settings = dataclasses.replace(unlocked, auth_required=True)
    try:
        system.start("status")
        yield system
    finally:
        system.stop("status")
        system.settings = unlocked
        system.start("status")


@pytest.fixture
def key(locked):
    repository = ImageRepository.from_settings(locked.settings)
    yield repository.api_keys().create(f"media-{uuid.uuid4().hex[:6]}")
    repository.close()


def original_url(system, key: str) -> str:
    photo = (PHOTOS / "bus.jpg").read_bytes()
    submitted = requests.post(f"{system.base_url}/api/process", headers={"X-API-Key": key},
                              files={"file": ("bus.jpg", io.BytesIO(photo), "image/jpeg")}, timeout=30)
    assert submitted.status_code == 202, submitted.text
    return submitted.json()["url"]


def test_without_auth_required_an_original_is_served_to_anyone(system):
    submitted = requests.post(f"{system.base_url}/api/process", timeout=30,
                              files={"file": ("bus.jpg", io.BytesIO((PHOTOS / "bus.jpg").read_bytes()), "image/jpeg")})

    assert requests.get(submitted.json()["url"], timeout=5).status_code == 200


def test_an_original_is_refused_with_json_401_without_a_valid_key(locked, key):
    url = original_url(locked, key)
    assert "/uploads/" in url

    for headers in ({}, {"X-API-Key": key + "x"}, {"Authorization": "Bearer pck_guess"},
                    {"Cookie": "posecraft_session=forged"}):
        refused = requests.get(url, headers=headers, timeout=5)
        assert refused.status_code == 401, headers
        assert refused.headers["Content-Type"].startswith("application/json")
        assert "private" in refused.json()["error"]
        assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.head(url, timeout=5).status_code == 401


def test_an_original_is_served_with_a_key_in_either_header_or_the_page_session(locked, key):
    url = original_url(locked, key)
    photo = (PHOTOS / "bus.jpg").read_bytes()
    session = requests.Session()
    assert session.post(f"{locked.base_url}/api/session", json={"key": key}, timeout=5).status_code == 200

    for answer in (requests.get(url, headers={"X-API-Key": key}, timeout=5),
                   requests.get(url, headers={"Authorization": f"Bearer {key}"}, timeout=5),
                   session.get(url, timeout=5)):
        assert answer.status_code == 200 and answer.content == photo
        assert answer.headers["Content-Disposition"] == "attachment"


def test_a_query_string_on_an_original_is_still_403_and_views_stay_public(locked, key):
    url = original_url(locked, key)
    storage = Storage.from_settings(locked.settings)
    storage.put("views/media-test/neck.jpg", (PHOTOS / "bus.jpg").read_bytes(), "image/jpeg")

    assert requests.get(url + "?acl=", headers={"X-API-Key": key}, timeout=5).status_code == 403
    view = requests.get(MediaLinks.from_settings(locked.settings).url("views/media-test/neck.jpg"), timeout=5)
    assert view.status_code == 200 and view.headers["Content-Type"] == "image/jpeg"


def test_views_are_public_under_a_random_token_and_their_guessable_keys_answer_404(system):
    submitted = requests.post(f"{system.base_url}/api/process", timeout=30,
                              files={"file": ("look.jpg", io.BytesIO(fresh_photo()), "image/jpeg")})
    image_id = submitted.json()["id"]
    status = wait_for_status(system.base_url, image_id)
    assert status["status"] == "processed" and status["shots"], status

    bucket = f"{system.base_url}/media/{system.settings.s3_bucket}"
    folders = set()
    for shot in status["shots"]:
        found = re.fullmatch(rf"{re.escape(bucket)}/views/{image_id}-([0-9a-f]{{32}})/0/{shot['label']}\.jpg",
                             shot["url"])
        assert found, shot["url"]
        folders.add(found.group(1))
        assert requests.get(shot["url"], timeout=5).status_code == 200  # shareable: no key needed
        guessed = requests.get(f"{bucket}/views/{image_id}/{shot['label']}.jpg", timeout=5)
        assert guessed.status_code == 404 and guessed.headers["Content-Type"].startswith("application/json")
    assert len(folders) == 1  # one token per image

    again = requests.post(f"{system.base_url}/api/images/{image_id}/reprocess", timeout=10)
    assert again.status_code == 202, again.text
    redone = wait_for_status(system.base_url, image_id)
    # The second run's views at new addresses in the same folder (a browser that showed the first run's cannot
    # show them for these), the first run's deleted.
    assert [shot["url"] for shot in redone["shots"]] == [shot["url"].replace("/0/", "/1/") for shot in status["shots"]]
    for before, after in zip(status["shots"], redone["shots"], strict=True):
        assert requests.get(after["url"], timeout=5).status_code == 200
        assert requests.get(before["url"], timeout=5).status_code == 404
