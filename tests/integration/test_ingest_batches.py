"""POST /api/process-batch and URL submissions: input order, repeats collapse, duplicates, atomic dedupe."""
from __future__ import annotations

import threading

from ingest_service import create_app


def test_a_batch_is_recorded_in_input_order_with_repeats_collapsed(ingest_client, records, job_queue):
    urls = ["https://example.com/a.jpg", "https://example.com/b.jpg", "https://example.com/a.jpg",
            " https://example.com/c.jpg "]

    response = ingest_client.post("/api/process-batch", json={"imageUrls": urls})

    assert response.status_code == 202
    items = response.get_json()["items"]
    assert [item["url"] for item in items] == [
        "https://example.com/a.jpg", "https://example.com/b.jpg", "https://example.com/c.jpg"]
    assert all(item["status"] == "pending" and item["duplicate"] is False for item in items)
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    assert records.count() == 3
    assert job_queue.depth() == 3


def test_the_same_batch_again_is_all_duplicates_and_queues_nothing(ingest_client, records, job_queue):
    urls = [f"https://example.com/{i}.jpg" for i in range(5)]
    first = ingest_client.post("/api/process-batch", json={"imageUrls": urls}).get_json()["items"]

    again = ingest_client.post("/api/process-batch", json={"imageUrls": urls})

    assert again.status_code == 202
    assert again.get_json()["items"] == [{**item, "duplicate": True} for item in first]
    assert records.count() == 5
    assert job_queue.depth() == 5


def test_a_url_sent_alone_after_a_batch_is_a_duplicate(ingest_client, job_queue):
    ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/x.jpg"]})

    response = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/x.jpg"})

    assert response.status_code == 202
    assert response.get_json()["duplicate"] is True
    assert job_queue.depth() == 1


def test_a_batch_of_the_maximum_size_is_accepted(ingest_client, api_settings, records):
    urls = [f"https://example.com/{i}.jpg" for i in range(api_settings.max_batch_urls)]

    response = ingest_client.post("/api/process-batch", json={"imageUrls": urls})

    assert response.status_code == 202
    assert len(response.get_json()["items"]) == api_settings.max_batch_urls
    assert records.count() == api_settings.max_batch_urls


def test_concurrent_submissions_of_one_url_make_one_record_and_one_message(api_settings, records, job_queue):
    # Separate app instances, like separate gunicorn workers, each with its own clients.
    clients = [create_app(api_settings).test_client() for _ in range(6)]
    start = threading.Barrier(len(clients))
    answers = []

    def submit(client):
        start.wait()
        answers.append(client.post("/api/process", json={"imageUrl": "https://example.com/race.jpg"}))

    threads = [threading.Thread(target=submit, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a.status_code for a in answers] == [202] * len(clients)
    bodies = [a.get_json() for a in answers]
    assert len({b["id"] for b in bodies}) == 1
    assert sorted(b["duplicate"] for b in bodies) == [False] + [True] * (len(clients) - 1)
    assert records.count() == 1
    assert job_queue.depth() == 1


def test_a_failed_url_submitted_again_is_queued_again(ingest_client, records, job_queue):
    first = ingest_client.post("/api/process", json={"imageUrl": "https://example.com/gone.jpg"}).get_json()
    records.mark_failed(first["id"], "the URL answered 404")

    again = ingest_client.post("/api/process-batch", json={"imageUrls": ["https://example.com/gone.jpg"]})

    assert again.get_json()["items"] == [{**first, "status": "pending", "duplicate": False}]
    assert job_queue.depth() == 2


def test_a_local_origin_url_is_accepted_when_its_host_and_port_are_allowed(ingest_client, local_origin):
    url = local_origin.photo_url("bus.jpg")
    fetched_before = local_origin.count("/photos/bus.jpg")  # other tests of the session fetch it too

    response = ingest_client.post("/api/process", json={"imageUrl": url})

    assert response.status_code == 202
    assert response.get_json()["url"] == url
    assert local_origin.count("/photos/bus.jpg") == fetched_before  # submitting never fetches: the worker does
