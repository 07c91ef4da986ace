"""One job: load the photo, find the pose, store the views, record the outcome.

`process_job` does one try. Running it twice for one image overwrites the same S3 keys
(`views/<id>/<label>.<ext>`) and leaves one correct record. It raises a `PoseCraftError` whose `permanent`
flag tells the worker whether trying again can help.
"""
from __future__ import annotations

from posecraft.config import Settings
from posecraft.fetch import fetch_image
from posecraft.pipeline import analyze_photo
from posecraft.repository import ImageRepository
from posecraft.storage import Storage, view_key

EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp", "image/png": "png"}


def load_photo(record: dict, settings: Settings, storage: Storage) -> bytes:
    """The original's bytes: from S3 for an upload, from the user's URL otherwise."""
    if record.get("key"):
        return storage.get(record["key"])
    return fetch_image(record["url"], settings).data


def process_job(record: dict, settings: Settings, repository: ImageRepository, storage: Storage) -> dict:
    """One try at the image of `record`; returns the record marked processed."""
    image_id = record["_id"]
    data = load_photo(record, settings, storage)
    analysis = analyze_photo(data, settings)
    shots = []
    for view in analysis.views:
        key = view_key(image_id, view.label, EXTENSIONS[view.content_type])
        shots.append({
            "label": view.label,
            "title": view.title,
            "url": storage.put(key, view.data, view.content_type),
            "width": view.width,
            "height": view.height,
            "box": list(view.box),
            "lowResolution": view.low_resolution,
        })
    skipped = [{"label": s.label, "title": s.title, "reason": s.reason} for s in analysis.skipped]
    return repository.mark_processed(image_id, shots, skipped, analysis.people)

