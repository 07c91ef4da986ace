"""Ingest: an uploaded image or user URLs in, records and queued jobs out.

Duplicates: an image (an upload is its content hash, a URL itself) already pending or processed answers with its
record and is not queued again; a failed one is queued again. When the queue cannot take a just-recorded job, the
record is marked failed with that reason (never left pending with no message) and ServiceUnavailable is raised: the
API answers 503 and the user's retry queues it again.

A submission's `callback_url` (checked like an image URL, `posecraft.webhooks.check_callback_url`) is told when each
of its images ends processed or failed (`ImageRepository.submit_many`).
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from posecraft.config import Settings
from posecraft.errors import (
    InvalidBatch,
    InvalidImage,
    InvalidURL,
    ServiceUnavailable,
    UnsafeURL,
    UnsupportedImage,
    UnusableImage,
)
from posecraft.imaging import probe_image, verify_image
from posecraft.records import MediaLinks, OutputOptions, Record, Status, clean_name
from posecraft.stores.images import ImageRepository, NewImage
from posecraft.stores.queue import Job, JobQueue
from posecraft.stores.storage import Storage, upload_key
from posecraft.urls import check_submitted_url
from posecraft.views.presets import default_output, requested_output
from posecraft.webhooks import check_callback_url

log = logging.getLogger(__name__)

# Format name (as posecraft.imaging reports it) -> (file extension, Content-Type) of the stored original.
_STORED_AS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WebP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
    "BMP": ("bmp", "image/bmp"),
    "TIFF": ("tiff", "image/tiff"),
}

QUEUE_DOWN_REASON = "the job queue was unavailable when this image was submitted; submit it again"
NO_FIELDS: Mapping[str, object] = {}  # a submission that asks nothing of its views: the defaults


@dataclass(frozen=True)
class Submission:
    id: int
    url: str
    status: str
    duplicate: bool

    def to_json(self) -> dict:
        return {"id": self.id, "url": self.url, "status": self.status, "duplicate": self.duplicate}


class Ingest:
    def __init__(self, settings: Settings, repository: ImageRepository, storage: Storage, queue: JobQueue):
        self.settings = settings
        self.repository = repository
        self.storage = storage
        self.queue = queue
        self.links = MediaLinks.from_settings(settings)
        self._prepared = False
        self._prepare_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Ingest:
        return cls(settings, ImageRepository.from_settings(settings), Storage.from_settings(settings),
                   JobQueue.from_settings(settings))

    def _prepare(self) -> None:
        """Indexes and bucket, once, on first use: a service may start before MongoDB or S3 is up."""
        if self._prepared:
            return
        with self._prepare_lock:
            if not self._prepared:
                self.repository.ensure_prepared()
                self.storage.ensure_bucket()
                self._prepared = True

    def submit_upload(self, data: bytes, name: object = None, callback_url: object = None,
                      output: Mapping[str, object] = NO_FIELDS) -> Submission:
        """Judge the bytes by decoding them, store the original under its content hash, record and queue it.
        `name` is the file's own name (a multipart filename), kept to show and to name its downloads; `output` the
        request's fields that say what its views are to be (presets.requested_output)."""
        callback = self._callback(callback_url)
        chosen = self._output(output)
        image_format = judge_image(data, self.settings.max_image_pixels)
        extension, content_type = _STORED_AS[image_format]
        digest = hashlib.sha256(data).hexdigest()
        image = NewImage.for_upload(digest, upload_key(digest, extension), clean_name(name), chosen)
        self._prepare()
        known = self.repository.find_by_identity(image.identity)
        if known is None or known.status is Status.FAILED:
            self.storage.put(image.key, data, content_type)
        return self._submit([image], callback)[0]

    def submit_url(self, url: object, callback_url: object = None,
                   output: Mapping[str, object] = NO_FIELDS) -> Submission:
        checked = check_submitted_url(url, self.settings)
        callback = self._callback(callback_url)
        chosen = self._output(output)
        self._prepare()
        return self._submit([NewImage.for_url(checked, chosen)], callback)[0]

    def submit_urls(self, urls: object, callback_url: object = None,
                    output: Mapping[str, object] = NO_FIELDS) -> list[Submission]:
        """All or nothing: every URL is checked before any is recorded. Repeats collapse to one item, in the
        order each URL first appears. `output` holds for every image of the batch."""
        checked = self.check_batch(urls)
        callback = self._callback(callback_url)
        chosen = self._output(output)
        self._prepare()
        return self._submit([NewImage.for_url(url, chosen) for url in checked], callback)

    def _output(self, fields: Mapping[str, object]) -> OutputOptions:
        return requested_output(fields, default_output(self.settings), self.settings.presets_file)

    def _callback(self, callback_url: object) -> str | None:
        return None if callback_url is None else check_callback_url(callback_url, self.settings)

    def check_batch(self, urls: object) -> list[str]:
        limit = self.settings.max_batch_urls
        if not isinstance(urls, list):
            raise InvalidBatch(f"imageUrls must be an array of 1 to {limit} URLs")
        if not urls:
            raise InvalidBatch(f"imageUrls is empty: send 1 to {limit} URLs")
        if len(urls) > limit:
            raise InvalidBatch(f"imageUrls has {len(urls)} URLs; at most {limit} are accepted in one batch")
        checked, invalid = [], []
        for url in urls:
            try:
                checked.append(check_submitted_url(url, self.settings))
            except (InvalidURL, UnsafeURL) as exc:
                invalid.append({"url": url, "reason": exc.reason})
        if invalid:
            raise InvalidBatch(f"{len(invalid)} of {len(urls)} URLs are invalid; nothing was submitted", invalid)
        return list(dict.fromkeys(checked))

    def _submit(self, images: list[NewImage], callback_url: str | None = None) -> list[Submission]:
        results = self.repository.submit_many(images, callback_url)
        to_queue = [record for record, created in results if created]
        for done, record in enumerate(to_queue):
            try:
                self.queue.publish(Job(record.id))
            except ServiceUnavailable:
                for unqueued in to_queue[done:]:
                    self.repository.mark_failed(unqueued.id, QUEUE_DOWN_REASON)
                raise
            log.info("image queued", extra={"image_id": record.id, "url": record.image_url(self.links)})
        return [self._submission(record, duplicate=not created) for record, created in results]

    def _submission(self, record: Record, duplicate: bool) -> Submission:
        return Submission(id=record.id, url=record.image_url(self.links), status=record.status.value,
                          duplicate=duplicate)


def judge_image(data: bytes, max_pixels: int) -> str:
    """The format of an upload, judged by decoding it (never by its name or Content-Type).

    The header first (format, pixel count before any pixel is decoded), then every byte of the pixel data at the
    cheapest scale, so a truncated or damaged file is refused here rather than failing later in the worker.
    """
    try:
        image_format = probe_image(data, max_pixels=max_pixels).format
    except InvalidImage as exc:
        raise UnsupportedImage(exc.reason) from None
    try:
        verify_image(data, max_pixels=max_pixels)
    except InvalidImage as exc:
        raise UnusableImage(exc.reason) from None
    return image_format
