"""GET /api/events through nginx: created, processed, re-queued and deleted images arrive as server-sent events,
a reconnecting client gets the new ones, and an idle stream carries a comment line to keep proxies from closing it."""
from __future__ import annotations

import dataclasses
import time

import pytest
import requests
from support.catalogue import EventClient, fresh_photo

from posecraft.stores.images import ImageRepository, NewImage
from status_service import create_app as create_status_app


@pytest.fixture
def events(system):
    clients: list[EventClient] = []

    def connect() -> EventClient:
        client = EventClient(f"{system.base_url}/api/events")
        assert client.status == 200
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


def test_a_client_hears_an_image_created_processed_and_deleted(system, events):
    client = events()
    assert client.headers["Content-Type"].startswith("text/event-stream")

    answer = requests.post(f"{system.base_url}/api/process", files={"file": ("live.jpg", fresh_photo(), "image/jpeg")},
                           timeout=30)
    image_id = answer.json()["id"]
    created = client.wait_for(lambda e: e["id"] == image_id)
    processed = client.wait_for(lambda e: e["id"] == image_id and e.get("status") == "processed", timeout=120)
    requests.delete(f"{system.base_url}/api/images/{image_id}", timeout=30)
    deleted = client.wait_for(lambda e: e["id"] == image_id and e.get("deleted"))

    assert (created["status"], created["name"]) == ("pending", "live.jpg")
    # The event is the status object, as GET /api/image-status answered when it was sent.
    assert set(processed) >= {"id", "name", "url", "status", "shots", "error", "createdAt", "updatedAt"}
    assert processed["shots"] and all(shot["url"].startswith(system.base_url) for shot in processed["shots"])
    assert deleted == {"id": image_id, "deleted": True}


def test_a_client_that_reconnects_gets_the_new_events_and_a_reprocess_is_heard_by_both(system, events):
    repository = ImageRepository.from_settings(system.settings)
    try:
        first = events()
        first.close()
        again, other = events(), events()
        [(record, _)] = repository.submit_many([NewImage.for_url("https://shop.example/reconnect.jpg")])
        for client in (again, other):
            assert client.wait_for(lambda e: e["id"] == record.id)["status"] == "pending"
        repository.mark_failed(record.id, "the URL answered 404")
        failed = again.wait_for(lambda e: e["id"] == record.id and e["status"] == "failed")
        assert failed["error"] == "the URL answered 404"

        answer = requests.post(f"{system.base_url}/api/images/{record.id}/reprocess", timeout=30)

        assert answer.status_code == 202
        for client in (again, other):
            # The record as it is when the event is read: pending, or already failed again (shop.example does not
            # resolve, and the worker is quick to say so).
            client.wait_for(lambda e: e["id"] == record.id and e["updatedAt"] > failed["updatedAt"])
    finally:
        repository.delete(record.id)
        repository.close()


def test_an_idle_stream_carries_a_comment_line_every_keepalive(api_settings):
    app = create_status_app(dataclasses.replace(api_settings, event_keepalive_seconds=0.5))
    response = app.test_client().get("/api/events", buffered=False)
    started = time.monotonic()
    lines = []
    try:
        for chunk in response.response:
            lines.append(chunk.decode() if isinstance(chunk, bytes) else chunk)
            if sum(": keepalive" in line for line in lines) == 2:
                break
    finally:
        response.close()

    assert lines[0] == "retry: 3000\n: connected\n\n"
    assert lines[1:] == [": keepalive\n\n"] * 2
    assert 0.9 <= time.monotonic() - started < 5
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["X-Accel-Buffering"] == "no"


def test_a_status_service_holding_its_most_streams_answers_one_more_with_503(api_settings):
    app = create_status_app(dataclasses.replace(api_settings, max_event_streams=1))
    client = app.test_client()
    held = client.get("/api/events", buffered=False)
    try:
        refused = client.get("/api/events")
        listing = client.get("/api/images")
    finally:
        held.close()

    assert refused.status_code == 503
    assert refused.get_json() == {"error": "this server holds its most live streams (1); the page polls instead"}
    assert listing.status_code == 200
    assert client.get("/api/events", buffered=False).status_code == 200  # the closed one made room
