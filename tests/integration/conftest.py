"""Flask apps of the two API services, built by their create_app on the real backing servers (flaskr style).

Each test gets its own database and queue names, so "nothing was recorded / queued" is counted exactly and no
worker started by another test consumes this test's messages.
"""
from __future__ import annotations

import dataclasses
import uuid

import pytest

from ingest_service import create_app as create_ingest_app
from posecraft.records import MediaLinks
from posecraft.stores.images import ImageRepository
from posecraft.stores.queue import JobQueue
from posecraft.stores.storage import Storage
from status_service import create_app as create_status_app


@pytest.fixture
def api_settings(settings):
    run = uuid.uuid4().hex[:10]
    return dataclasses.replace(settings, mongo_db=f"api_{run}", queue_name=f"api.{run}")


@pytest.fixture
def ingest_app(api_settings):
    app = create_ingest_app(api_settings)
    return app


@pytest.fixture
def ingest_client(ingest_app):
    return ingest_app.test_client()


@pytest.fixture
def status_client(api_settings):
    app = create_status_app(api_settings)
    return app.test_client()


@pytest.fixture
def records(api_settings):
    repository = ImageRepository.from_settings(api_settings)
    yield repository
    repository.close()


@pytest.fixture
def job_queue(api_settings):
    queue = JobQueue.from_settings(api_settings)
    yield queue
    queue.close()


@pytest.fixture
def storage(api_settings):
    return Storage.from_settings(api_settings)


@pytest.fixture
def media_links(api_settings):
    """Where the services say browsers read stored objects."""
    return MediaLinks.from_settings(api_settings)
