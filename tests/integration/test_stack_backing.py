"""The backing servers the dev stack starts: reachable with the stack's Settings, and their data survives a restart."""
from __future__ import annotations

import requests

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports
from posecraft.records import MediaLinks
from posecraft.stores.images import ImageRepository, NewImage
from posecraft.stores.queue import Job, JobQueue
from posecraft.stores.storage import Storage


def test_each_backing_server_answers_at_the_url_in_settings(settings):
    repository, queue = ImageRepository.from_settings(settings), JobQueue.from_settings(settings)
    try:
        repository.ping()
        queue.ping()
        Storage.from_settings(settings).ping()
    finally:
        repository.close()
        queue.close()


def test_anyone_may_read_a_stored_image_but_not_write_or_list_the_bucket(settings):
    Storage.from_settings(settings).put("probe/hello.txt", b"hello", "text/plain")
    url = MediaLinks.from_settings(settings).url("probe/hello.txt")
    bucket_url = f"{settings.s3_endpoint_url}/{settings.s3_bucket}"

    assert requests.get(url, timeout=5).content == b"hello"
    assert requests.put(f"{bucket_url}/probe/other.txt", data=b"x", timeout=5).status_code == 403
    assert requests.get(f"{bucket_url}/", timeout=5).status_code == 403


def test_records_images_and_queued_jobs_survive_a_restart_of_the_servers(tmp_path):
    stack = DevStack(Settings.from_env({}), run_dir=tmp_path / "run", data_dir=tmp_path / "data", ports=Ports.free())
    settings = stack.settings
    try:
        stack.start_backing()
        repository, queue = ImageRepository.from_settings(settings), JobQueue.from_settings(settings)
        record, _ = repository.submit(NewImage.for_url("https://example.com/model.jpg"))
        Storage.from_settings(settings).put(f"views/{record.id}/neck.jpg", b"jpeg bytes", "image/jpeg")
        queue.publish(Job(record.id))
        repository.close()
        queue.close()

        for name in ("redis", "mongo", "s3"):
            stack.restart(name)

        repository, queue = ImageRepository.from_settings(settings), JobQueue.from_settings(settings)
        assert repository.get(record.id).url == "https://example.com/model.jpg"
        assert Storage.from_settings(settings).get(f"views/{record.id}/neck.jpg") == b"jpeg bytes"
        assert queue.depth() == 1
        repository.close()
        queue.close()
    finally:
        stack.stop_all()
