"""One job: load the photo, find the pose, store the views, record the outcome.

`process_job` does one try. Running it twice for one image overwrites the same S3 keys
(`views/<id>/<label>.<ext>`) and leaves one correct record. It raises a `PoseCraftError` whose `permanent`
flag tells the worker whether trying again can help.
"""
from __future__ import annotations

from botocore.exceptions import ClientError
from prometheus_client import Histogram

from posecraft.config import Settings
from posecraft.errors import PoseCraftError
from posecraft.fetch import fetch_image
from posecraft.pipeline import analyze_photo
from posecraft.repository import ImageRepository
from posecraft.storage import Storage, view_key

EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp", "image/png": "png"}

STAGE_SECONDS = Histogram(
    "posecraft_job_stage_seconds", "Time spent in each stage of a job try", ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


def load_photo(record: dict, settings: Settings, storage: Storage) -> bytes:
    """The original's bytes: from S3 for an upload, from the user's URL otherwise."""
    if record.get("key"):
        try:
            return storage.get(record["key"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise PoseCraftError("the uploaded original is no longer in storage; upload the photo again") from None
            raise
    return fetch_image(record["url"], settings).data


def process_job(record: dict, settings: Settings, repository: ImageRepository, storage: Storage) -> dict:
    """One try at the image of `record`; returns the record marked processed."""
    image_id = record["_id"]
    with STAGE_SECONDS.labels("load").time():
        data = load_photo(record, settings, storage)
    with STAGE_SECONDS.labels("analyze").time():
        analysis = analyze_photo(data, settings)
    with STAGE_SECONDS.labels("store").time():
        shots = [_store_view(image_id, view, storage) for view in analysis.views]
    skipped = [{"label": s.label, "title": s.title, "reason": s.reason} for s in analysis.skipped]
    with STAGE_SECONDS.labels("record").time():
        return repository.mark_processed(image_id, shots, skipped, analysis.people)


def _store_view(image_id: int, view, storage: Storage) -> dict:
    """Put one rendered view at its fixed key; the shot entry the record keeps for it."""
    key = view_key(image_id, view.label, EXTENSIONS[view.content_type])
    return {
        "label": view.label,
        "title": view.title,
        "url": storage.put(key, view.data, view.content_type),
        "width": view.width,
        "height": view.height,
        "box": list(view.box),
        "lowResolution": view.low_resolution,
    }
