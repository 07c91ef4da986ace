"""One job: load the photo, find the pose, store the views, record the outcome; and how often to try.

`process_job` does one try. Running it twice for one image overwrites the same S3 keys
(`views/<id>-<token>/<run>/<label>.<ext>`: the same run) and leaves one correct record; once processed, the views
of the record's earlier runs are deleted. It raises a `PoseCraftError` whose `permanent`
flag tells the worker whether trying again can help; `RetryPolicy` says how many tries and how far apart.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from botocore.exceptions import ClientError
from prometheus_client import Histogram

from posecraft.config import Settings
from posecraft.errors import PoseCraftError, ServiceUnavailable
from posecraft.fetch import fetch_image
from posecraft.pipeline import analyze_photo
from posecraft.records import Record, Shot, Skipped
from posecraft.stores.images import ImageRepository
from posecraft.stores.storage import Storage, view_folder, view_key
from posecraft.views.render import RenderedView

log = logging.getLogger(__name__)

EXTENSIONS = {"image/jpeg": "jpg", "image/webp": "webp", "image/png": "png"}

STAGE_SECONDS = Histogram(
    "posecraft_job_stage_seconds", "Time spent in each stage of a job try", ["stage"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)


@dataclass(frozen=True)
class RetryPolicy:
    """A transient failure is tried again after `base_delay` seconds, then twice that, ..., up to `max_attempts`
    tries in all."""

    max_attempts: int
    base_delay: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(settings.job_max_attempts, settings.job_retry_delay)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after try number `attempt` (1-based) failed."""
        return self.base_delay * 2 ** (attempt - 1)

    def gives_up_after(self, attempt: int) -> bool:
        return attempt >= self.max_attempts


def load_photo(record: Record, settings: Settings, storage: Storage) -> bytes:
    """The original's bytes: from S3 for an upload, from the user's URL otherwise."""
    if record.key:
        try:
            return storage.get(record.key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise PoseCraftError("the uploaded original is no longer in storage; upload the photo again") from None
            raise
    if not record.url:
        raise PoseCraftError("the record names neither an uploaded original nor a URL; submit the image again")
    return fetch_image(record.url, settings).data


def process_job(record: Record, settings: Settings, repository: ImageRepository, storage: Storage) -> Record | None:
    """One try at the image of `record`; returns the record marked processed (None if it was deleted meanwhile)."""
    with STAGE_SECONDS.labels("load").time():
        data = load_photo(record, settings, storage)
    with STAGE_SECONDS.labels("analyze").time():
        analysis = analyze_photo(data, settings, output=record.output)
    with STAGE_SECONDS.labels("store").time():
        shots = [_store_view(record, view, storage) for view in analysis.views]
    skipped = [Skipped(s.label, s.title, s.reason) for s in analysis.skipped]
    with STAGE_SECONDS.labels("record").time():
        processed = repository.mark_processed(record.id, shots, skipped, analysis.people,
                                               analysis.ambiguous)
    if processed is None:  # deleted from the catalogue during the job: its views go with it
        storage.delete(shot.key for shot in shots)
    else:
        _delete_earlier_runs(processed, storage)
    return processed


def _delete_earlier_runs(record: Record, storage: Storage) -> None:
    """The views of the record's earlier runs, which nothing shows any more. Best effort: the record is already
    processed, and what is left is deleted with the image. A first run has none: no S3 listing for it."""
    if record.run == 0:
        return
    kept = {shot.key for shot in record.shots}
    try:
        storage.delete(key for key in storage.list_keys(view_folder(record.id, record.view_token)) if key not in kept)
    except (ClientError, ServiceUnavailable) as error:
        log.warning("views of earlier runs not deleted: %s", error, extra={"image_id": record.id})


def _store_view(record: Record, view: RenderedView, storage: Storage) -> Shot:
    """Put one rendered view at its fixed key (under the record's view token); the shot the record keeps for it."""
    key = view_key(record.id, record.view_token, record.run, view.label, EXTENSIONS[view.content_type])
    storage.put(key, view.data, view.content_type)
    return Shot(label=view.label, title=view.title, key=key, width=view.width, height=view.height,
                box=view.box, low_resolution=view.low_resolution, padded=view.padded, reach=view.reach,
                upscaled=view.upscaled, notes=tuple(view.flags))
