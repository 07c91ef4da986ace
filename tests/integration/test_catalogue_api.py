"""The shared catalogue through nginx, as the page and a team's scripts use it: the list (paging, counts, search),
delete, process again, and the views as ZIP files. The running system's worker does the processing."""
from __future__ import annotations

import io
import threading
import uuid
import zipfile

import pytest
import requests
from PIL import Image
from support.catalogue import fresh_photo, wait_for_status

from pose_worker.worker import Worker
from posecraft.stores.images import ImageRepository, NewImage
from posecraft.stores.queue import DeadLetter, Job, Outcome
from posecraft.stores.storage import Storage


@pytest.fixture
def repository(system):
    repository = ImageRepository.from_settings(system.settings)
    yield repository
    repository.close()


@pytest.fixture
def seeded(repository):
    """Records made for one test (pending URLs no job was queued for, whose names carry the test's token);
    removed afterwards, so the shared catalogue other tests list stays as it was."""
    token = uuid.uuid4().hex[:8]
    made: list[int] = []

    def seed(count: int, prefix: str = "look") -> list[int]:
        images = [NewImage.for_url(f"https://shop.example/{token}/{prefix}-{uuid.uuid4().hex[:6]}.jpg")
                  for _ in range(count)]
        ids = [record.id for record, _ in repository.submit_many(images)]
        made.extend(ids)
        return ids

    seed.token = token  # type: ignore[attr-defined]
    yield seed
    for image_id in made:
        repository.delete(image_id)


def upload(base_url: str, data: bytes, name: str = "look.jpg") -> int:
    answer = requests.post(f"{base_url}/api/process", files={"file": (name, data, "image/jpeg")}, timeout=30)
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def processed_upload(base_url: str, name: str = "look.jpg") -> dict:
    status = wait_for_status(base_url, upload(base_url, fresh_photo(), name))
    assert status["status"] == "processed", status
    return status


def test_paging_through_three_pages_while_images_arrive_repeats_and_skips_nothing(system, seeded):
    existing = seeded(130)
    arriving: list[int] = []
    stop = threading.Event()

    def keep_adding():
        while not stop.is_set():
            arriving.extend(seeded(3))
            stop.wait(0.05)

    adder = threading.Thread(target=keep_adding)
    adder.start()
    try:
        seen, pages, cursor = [], 0, None
        while True:
            params = {"limit": 50, "q": seeded.token, **({"cursor": cursor} if cursor else {})}
            page = requests.get(f"{system.base_url}/api/images", params=params, timeout=30).json()
            seen += [item["id"] for item in page["items"]]
            pages += 1
            cursor = page["next"]
            if cursor is None:
                break
    finally:
        stop.set()
        adder.join()

    assert pages >= 3 and arriving, (pages, len(arriving))
    assert len(seen) == len(set(seen)), "an image was listed twice"
    assert seen == sorted(seen, reverse=True), "not newest first"
    assert set(existing) <= set(seen), f"skipped: {sorted(set(existing) - set(seen))[:10]}"
    assert set(seen) <= set(existing) | set(arriving)


def test_the_list_counts_each_status_of_what_the_search_matches_and_filters_by_status(system, seeded, repository):
    ids = seeded(5)
    repository.mark_failed(ids[0], "the URL answered 404")
    repository.mark_failed(ids[1], "the URL answered 404")
    repository.mark_processed(ids[2], [], [], 1)

    everything = requests.get(f"{system.base_url}/api/images", params={"q": seeded.token}, timeout=30).json()
    failed = requests.get(f"{system.base_url}/api/images", params={"q": seeded.token, "status": "failed"},
                          timeout=30).json()

    assert everything["counts"] == {"pending": 2, "processed": 1, "failed": 2}
    assert [item["id"] for item in everything["items"]] == sorted(ids, reverse=True)
    assert everything["next"] is None
    assert [item["id"] for item in failed["items"]] == [ids[1], ids[0]]
    assert failed["counts"] == everything["counts"]  # counts are of the search, whatever the status filter
    rows_alone = requests.get(f"{system.base_url}/api/images", params={"q": seeded.token, "counts": "false"},
                              timeout=30).json()
    assert rows_alone["counts"] is None and rows_alone["items"] == everything["items"]
    counts = requests.get(f"{system.base_url}/api/images/counts", params={"q": seeded.token}, timeout=30)
    assert counts.json() == everything["counts"]
    assert requests.get(f"{system.base_url}/api/images/counts?limit=3", timeout=30).json() == {
        "error": "unknown parameter 'limit': this takes q"}


def test_the_search_matches_the_file_name_or_the_url_in_any_case(system, seeded):
    [shoe] = seeded(1, prefix="Red-SHOE")
    seeded(2, prefix="dress")
    uploaded = upload(system.base_url, fresh_photo(), name=f"Campaign-{seeded.token}-Front.JPG")

    def search(text: str) -> list[int]:
        page = requests.get(f"{system.base_url}/api/images", params={"q": text}, timeout=30).json()
        return [item["id"] for item in page["items"]]

    assert search(f"{seeded.token}/red-shoe") == [shoe]  # a part of the URL
    assert search(f"campaign-{seeded.token}-front") == [uploaded]  # the uploaded file's name
    assert search(f"{seeded.token}.*") == []  # the text is matched as it is, not as a pattern
    item = requests.get(f"{system.base_url}/api/image-status/{uploaded}", timeout=10).json()
    assert item["name"] == f"Campaign-{seeded.token}-Front.JPG"
    requests.delete(f"{system.base_url}/api/images/{uploaded}", timeout=30)


@pytest.mark.parametrize(("query", "reason"), [
    ("limit=0", "limit must be a whole number from 1 to 200, not '0'"),
    ("limit=500", "limit must be a whole number from 1 to 200, not '500'"),
    ("cursor=-4", "cursor (the `next` of the page before) is a positive whole number, not '-4'"),
    ("status=done", "status must be one of pending, processed, failed, not 'done'"),
    ("sort=name", "unknown parameter 'sort': this takes limit, cursor, status, q, counts"),
])
def test_a_bad_list_parameter_is_a_400_with_the_reason(system, query, reason):
    answer = requests.get(f"{system.base_url}/api/images?{query}", timeout=10)

    assert answer.status_code == 400
    assert answer.json() == {"error": reason}


def test_a_deleted_image_is_gone_from_the_database_and_the_bucket_and_can_be_submitted_again(system):
    data = fresh_photo()
    image_id = upload(system.base_url, data, name="to-delete.jpg")
    status = wait_for_status(system.base_url, image_id)
    assert status["status"] == "processed", status
    storage = Storage.from_settings(system.settings)
    original = status["url"].split(f"/{system.settings.s3_bucket}/", 1)[1]
    assert storage.list_keys(f"views/{image_id}-") and storage.exists(original)  # views/<id>-<token>/

    answer = requests.delete(f"{system.base_url}/api/images/{image_id}", timeout=30)

    assert answer.status_code == 204 and answer.content == b""
    assert storage.list_keys(f"views/{image_id}-") == []
    assert not storage.exists(original)
    assert requests.get(f"{system.base_url}/api/image-status/{image_id}", timeout=10).status_code == 404
    for url in [status["url"]] + [shot["url"] for shot in status["shots"]]:
        assert requests.get(url, timeout=10).status_code == 404, url
    assert requests.delete(f"{system.base_url}/api/images/{image_id}", timeout=10).status_code == 404
    again = requests.post(f"{system.base_url}/api/process", files={"file": ("to-delete.jpg", data, "image/jpeg")},
                          timeout=30).json()
    assert again["id"] != image_id and again["duplicate"] is False
    assert wait_for_status(system.base_url, again["id"])["status"] == "processed"
    requests.delete(f"{system.base_url}/api/images/{again['id']}", timeout=30)


def test_processing_again_ends_processed_with_a_new_update_time_and_is_refused_while_pending(system):
    first = processed_upload(system.base_url)
    url = f"{system.base_url}/api/images/{first['id']}/reprocess"

    queued = requests.post(url, timeout=30)
    while_pending = requests.post(url, timeout=30)

    assert queued.status_code == 202, queued.text
    assert (queued.json()["id"], queued.json()["status"], queued.json()["shots"]) == (first["id"], "pending", [])
    assert while_pending.status_code == 409
    assert while_pending.json() == {"error": f"image {first['id']} is pending: it can be processed again once "
                                             "it is processed or failed"}
    done = wait_for_status(system.base_url, first["id"])
    assert done["status"] == "processed"
    assert done["updatedAt"] > first["updatedAt"]
    assert [shot["label"] for shot in done["shots"]] == [shot["label"] for shot in first["shots"]]
    assert requests.post(f"{system.base_url}/api/images/99999999/reprocess", timeout=10).status_code == 404
    requests.delete(f"{system.base_url}/api/images/{first['id']}", timeout=30)


def _zip_entries(answer: requests.Response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_views_of_an_image_download_as_one_zip_named_after_it(system):
    status = processed_upload(system.base_url, name="Look 07.jpg")

    answer = requests.get(f"{system.base_url}/api/images/{status['id']}/views.zip", timeout=60)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/zip"
    assert 'filename="Look 07-views.zip"' in answer.headers["Content-Disposition"]
    assert "Content-Length" not in answer.headers  # streamed as it is made
    entries = _zip_entries(answer)
    assert list(entries) == [f"Look 07-{shot['label']}.jpg" for shot in status["shots"]]
    for shot in status["shots"]:
        data = entries[f"Look 07-{shot['label']}.jpg"]
        assert data == requests.get(shot["url"], timeout=10).content
        with Image.open(io.BytesIO(data)) as view:
            assert view.size == (shot["width"], shot["height"])
    requests.delete(f"{system.base_url}/api/images/{status['id']}", timeout=30)


def test_a_selection_downloads_as_one_zip_with_a_folder_per_image(system, seeded):
    one = processed_upload(system.base_url, name="front.jpg")
    two = processed_upload(system.base_url, name="front.png")  # the same name without its extension
    [pending] = seeded(1)

    answer = requests.get(f"{system.base_url}/api/images/views.zip",
                          params={"ids": f"{one['id']},{pending},{two['id']}"}, timeout=60)

    assert answer.status_code == 200
    entries = _zip_entries(answer)
    assert list(entries) == ([f"front/front-{shot['label']}.jpg" for shot in one["shots"]]
                             + [f"front-{two['id']}/front-{shot['label']}.jpg" for shot in two["shots"]])
    first_view = two["shots"][0]
    assert entries[f"front-{two['id']}/front-{first_view['label']}.jpg"] == requests.get(first_view["url"], timeout=10).content
    nothing = requests.get(f"{system.base_url}/api/images/{pending}/views.zip", timeout=10)
    assert nothing.status_code == 409 and nothing.json()["error"] == f"image {pending} has no views: views are made " \
                                                                      "when an image is processed"
    unknown = requests.get(f"{system.base_url}/api/images/views.zip", params={"ids": f"{one['id']},99999999"},
                           timeout=10)
    assert unknown.status_code == 404 and unknown.json() == {"error": "no image with id 99999999"}
    for image in (one, two):
        requests.delete(f"{system.base_url}/api/images/{image['id']}", timeout=30)


def test_a_job_still_queued_for_a_deleted_image_is_acked_and_dropped(api_settings, ingest_client, status_client,
                                                                      job_queue):
    image_id = ingest_client.post("/api/process", json={"imageUrl": "https://shop.example/gone.jpg"}).get_json()["id"]
    assert job_queue.depth() == 1
    assert ingest_client.delete(f"/api/images/{image_id}").status_code == 204
    worker = Worker.from_settings(api_settings)
    outcomes = []

    def handle(job):
        outcomes.append(worker.handle(job))
        return outcomes[-1]

    job_queue.consume(handle, lambda: bool(outcomes))

    assert outcomes == [Outcome.DONE]
    assert (job_queue.depth(), job_queue.dead_letter_depth()) == (0, 0)
    assert isinstance(worker.handle(Job(image_id + 1)), DeadLetter)  # an id that never had a record still is one
