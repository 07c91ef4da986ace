"""Webhooks: a callbackUrl is POSTed the image's status object, signed, when it ends processed or failed; a receiver
that fails is tried again; a callback the SSRF rules refuse is refused at submit. The receiver is the local origin's
/hooks/ (on 127.0.0.1, allowed in the tests' settings); the running system's worker sends the deliveries."""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
import uuid

import requests
from prometheus_client import REGISTRY
from support.catalogue import fresh_photo, wait_for_status

from ingest_service import create_app as create_ingest_app
from posecraft.stores.images import ImageRepository, NewImage
from posecraft.webhooks import Deliverer


def photo_url(local_origin, name: str = "bus.jpg") -> str:
    return f"{local_origin.photo_url(name)}?v={uuid.uuid4().hex[:8]}"  # a URL never submitted before


def wait_for_calls(local_origin, hook: str, count: int, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while len(calls := local_origin.hook_calls(hook)) < count:
        assert time.monotonic() < deadline, f"{len(calls)} of {count} webhook calls after {timeout:.0f} s"
        time.sleep(0.2)
    return calls


def test_the_callback_gets_the_status_object_signed_with_the_secret(system, local_origin):
    hook = uuid.uuid4().hex
    answer = requests.post(f"{system.base_url}/api/process", timeout=30, json={
        "imageUrl": photo_url(local_origin), "callbackUrl": local_origin.url(f"hooks/{hook}")})
    image_id = answer.json()["id"]

    [call] = wait_for_calls(local_origin, hook, 1)

    expected = hmac.new(system.settings.webhook_secret.encode(), call.body, hashlib.sha256).hexdigest()
    assert call.headers["X-PoseCraft-Signature"] == f"sha256={expected}"
    assert call.headers["X-PoseCraft-Event"] == "image.processed"
    assert call.headers["Content-Type"] == "application/json"
    body = json.loads(call.body)
    assert body == wait_for_status(system.base_url, image_id)
    assert body["status"] == "processed" and body["shots"]
    time.sleep(1.5)
    assert len(local_origin.hook_calls(hook)) == 1  # delivered once


def test_a_receiver_answering_500_twice_gets_it_on_the_third_try(system, local_origin):
    hook = uuid.uuid4().hex
    local_origin.answer_hooks(hook, [500, 500])
    answer = requests.post(f"{system.base_url}/api/process", timeout=30, json={
        "imageUrl": local_origin.url("status/404"), "callbackUrl": local_origin.url(f"hooks/{hook}")})

    calls = wait_for_calls(local_origin, hook, 3)

    assert [call.answered for call in calls] == [500, 500, 200]
    assert len({call.body for call in calls}) == 1
    assert calls[0].headers["X-PoseCraft-Event"] == "image.failed"
    assert json.loads(calls[0].body)["error"] == "the URL answered 404"
    repository = ImageRepository.from_settings(system.settings)
    try:
        [delivery] = repository.webhooks.of_image(answer.json()["id"])
    finally:
        repository.close()
    assert (delivery["state"], delivery["attempts"], delivery["lastError"]) == ("delivered", 3, None)


def test_every_image_of_a_batch_is_told_and_one_already_processed_at_once(system, local_origin):
    done = photo_url(local_origin, "messi5.jpg")
    assert wait_for_status(system.base_url, requests.post(f"{system.base_url}/api/process", timeout=30, json={
        "imageUrl": done}).json()["id"])["status"] == "processed"
    hook = uuid.uuid4().hex
    fresh = photo_url(local_origin)

    answer = requests.post(f"{system.base_url}/api/process-batch", timeout=30, json={
        "imageUrls": [done, fresh], "callbackUrl": local_origin.url(f"hooks/{hook}")})

    assert [item["duplicate"] for item in answer.json()["items"]] == [True, False]
    calls = wait_for_calls(local_origin, hook, 2)
    assert sorted(json.loads(call.body)["id"] for call in calls) == sorted(i["id"] for i in answer.json()["items"])


def test_a_loopback_callback_is_refused_at_submit_without_the_allow_list(api_settings, records, local_origin):
    strict = dataclasses.replace(api_settings, fetch_allowed_hosts=(), fetch_allowed_ports=())
    client = create_ingest_app(strict).test_client()

    answer = client.post("/api/process", json={"imageUrl": "https://shop.example/a.jpg",
                                               "callbackUrl": local_origin.url("hooks/never")})
    batch = client.post("/api/process-batch", json={"imageUrls": ["https://shop.example/b.jpg"],
                                                    "callbackUrl": "http://169.254.169.254/latest"})

    assert answer.status_code == 400
    assert answer.get_json() == {"error": "callbackUrl: 127.0.0.1 is a loopback address; only public internet "
                                          "addresses can be fetched"}
    assert batch.status_code == 400 and batch.get_json()["error"].startswith("callbackUrl: 169.254.169.254 is a link-local")
    assert records.count() == 0


def test_a_callback_is_refused_when_the_server_has_no_webhook_secret(api_settings, records):
    client = create_ingest_app(dataclasses.replace(api_settings, webhook_secret="")).test_client()

    answer = client.post("/api/process", json={"imageUrl": "https://shop.example/c.jpg",
                                               "callbackUrl": "https://hooks.example/x"})

    assert answer.status_code == 400
    assert answer.get_json()["error"] == ("callbackUrl is not accepted: webhooks are off on this server "
                                          "(WEBHOOK_SECRET is not set)")
    assert records.count() == 0


def test_deliveries_are_counted_in_the_metrics(api_settings, records, local_origin):
    hook = uuid.uuid4().hex
    local_origin.answer_hooks(hook, [503])
    [(record, _)] = records.submit_many([NewImage.for_url("https://shop.example/m.jpg")],
                                        callback_url=local_origin.url(f"hooks/{hook}"))
    records.mark_processed(record.id, [], [], 1)
    deliverer = Deliverer(api_settings, records.webhooks)

    def count(outcome: str) -> float:
        return REGISTRY.get_sample_value("posecraft_webhook_deliveries_total", {"outcome": outcome}) or 0.0

    before = {outcome: count(outcome) for outcome in ("delivered", "retried")}
    deliverer.deliver(records.webhooks.claim())
    time.sleep(api_settings.webhook_retry_delay + 0.1)
    deliverer.deliver(records.webhooks.claim())

    assert count("retried") - before["retried"] == 1
    assert count("delivered") - before["delivered"] == 1
    assert [call.answered for call in local_origin.hook_calls(hook)] == [503, 200]



def test_an_upload_takes_its_callback_as_a_form_field(system, local_origin):
    hook = uuid.uuid4().hex
    answer = requests.post(f"{system.base_url}/api/process", timeout=30,
                           files={"file": ("front.jpg", fresh_photo(), "image/jpeg")},
                           data={"callbackUrl": local_origin.url(f"hooks/{hook}")})

    [call] = wait_for_calls(local_origin, hook, 1)

    body = json.loads(call.body)
    assert (body["id"], body["name"], body["status"]) == (answer.json()["id"], "front.jpg", "processed")
