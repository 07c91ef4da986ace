"""A backing server down when a request arrives: 503 with a reason naming it, nothing left pending without a
message, and the same request works once the server is back. The real servers are stopped and started again."""
from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

from posecraft.submissions import QUEUE_DOWN_REASON

PHOTO = (Path(__file__).parents[1] / "photos" / "messi5.jpg").read_bytes()


@contextmanager
def stopped(stack, name: str):
    stack.stop(name)
    try:
        yield
    finally:
        stack.start(name)


def test_redis_down_answers_503_leaves_nothing_pending_and_a_retry_queues_it(
        backing_services, ingest_client, records, job_queue):
    with stopped(backing_services, "redis"):
        response = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/q.jpg"})
        batch = ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/b1.jpg",
                                                                            "https://example.com/b2.jpg"]})
        ready = ingest_client.get("/readyz")

    assert response.status_code == 503
    assert "the job queue (Redis) is unavailable" in response.get_json()["error"]
    assert response.headers["Retry-After"]
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["mongodb"] == "ok" and ready.get_json()["checks"]["redis"] != "ok"
    assert batch.status_code == 503
    assert records.count({"status": "pending"}) == 0
    assert records.count({"status": "failed", "error": QUEUE_DOWN_REASON}) == 3
    record = records.find_by_identity("https://example.com/q.jpg")

    retry = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/q.jpg"})

    assert retry.status_code == 202
    assert retry.get_json() == {"id": record.id, "url": "https://example.com/q.jpg", "status": "pending",
                                "duplicate": False}
    assert job_queue.depth() == 1
    assert ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/b1.jpg"]}).get_json()[
        "items"][0]["duplicate"] is False


def test_mongodb_down_answers_503_from_both_services_and_records_nothing(
        backing_services, ingest_client, status_client, records, job_queue):
    with stopped(backing_services, "mongo"):
        submit = ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/m.jpg"]})
        status = status_client.get("/api/image-status/1")
        ready = status_client.get("/readyz")

    assert submit.status_code == 503 and "MongoDB is unavailable" in submit.get_json()["error"]
    assert status.status_code == 503 and "MongoDB is unavailable" in status.get_json()["error"]
    assert ready.status_code == 503
    assert records.count() == 0
    assert job_queue.depth() == 0
    assert ingest_client.post("/api/process", json={"imageUrl": "https://example.com/m.jpg"}).status_code == 202


def test_s3_down_answers_503_to_an_upload_and_records_nothing(backing_services, ingest_client, records, job_queue):
    with stopped(backing_services, "s3"):
        response = ingest_client.post("/api/process", data={"file": (io.BytesIO(PHOTO), "messi.jpg")})

    assert response.status_code == 503
    assert "S3 is unavailable" in response.get_json()["error"]
    assert records.count() == 0
    assert job_queue.depth() == 0
    again = ingest_client.post("/api/process", data={"file": (io.BytesIO(PHOTO), "messi.jpg")})
    assert again.status_code == 202


def test_every_accepted_submission_survives_a_kill_9_of_mongodb_and_ids_are_never_reused(
        backing_services, ingest_client, records):
    accepted = ingest_client.post("/api/process-batch", json={
        "imageUrls": [f"https://example.com/durable/{i}.jpg" for i in range(20)]}).get_json()["items"]
    single = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/durable/one.jpg"}).get_json()

    backing_services.kill("mongo")
    backing_services.start("mongo")

    ids = [item["id"] for item in accepted] + [single["id"]]
    assert [record.id for record in records.get_many(ids)] == ids
    after = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/durable/after.jpg"}).get_json()
    assert after["id"] > max(ids)


def test_every_queued_job_survives_a_kill_9_of_redis(backing_services, ingest_client, job_queue):
    ingest_client.post("/api/process-batch", json={
        "imageUrls": [f"https://example.com/queued/{i}.jpg" for i in range(20)]})

    backing_services.kill("redis")
    backing_services.start("redis")

    assert job_queue.depth() == 20
