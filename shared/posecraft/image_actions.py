"""What a team does with an image of the catalogue: delete it, process it again, download its views as a ZIP.

Served by the ingest service (ingest_service.routes), which has S3 and the job queue; the catalogue's reads are
`posecraft.catalogue`.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence

from zipstream import ZIP_STORED, ZipStream

from posecraft.catalogue import folder_names, view_entries
from posecraft.config import Settings
from posecraft.errors import ImageNotFound, ImagePending, NoViews, ServiceUnavailable
from posecraft.records import Record, Source
from posecraft.stores.images import ImageRepository
from posecraft.stores.queue import Job, JobQueue
from posecraft.stores.storage import Storage, view_folder
from posecraft.views.presets import requested_output

log = logging.getLogger(__name__)

QUEUE_DOWN_REASON = "the job queue was unavailable when this image was queued again; process it again"


class ImageActions:
    def __init__(self, settings: Settings, repository: ImageRepository, storage: Storage, queue: JobQueue):
        self.settings = settings
        self.repository = repository
        self.storage = storage
        self.queue = queue

    def delete(self, image_id: int) -> None:
        """The record, its views and its uploaded original gone; its status and media answer 404 afterwards.

        S3 is asked first, so an outage answers 503 with nothing deleted. The original is keyed by its content,
        so it is removed only while no record has that content again (a new upload of the same file, made since,
        keeps it)."""
        folder = view_folder(image_id, self.repository.require(image_id).view_token)
        views = self.storage.list_keys(folder)
        record = self.repository.delete(image_id)
        if record is None:
            raise ImageNotFound(f"no image with id {image_id}")
        # A view the worker wrote meanwhile; a view not yet moved under the token (posecraft.view_moves).
        keys = views + self.storage.list_keys(folder) + [shot.key for shot in record.shots]
        if record.source is Source.UPLOAD and record.key and self.repository.find_by_identity(record.identity) is None:
            keys.append(record.key)
        self.storage.delete(dict.fromkeys(keys))
        log.info("image deleted", extra={"image_id": image_id, "objects": len(set(keys))})

    def reprocess(self, image_id: int, output: Mapping[str, object]) -> Record:
        """Pending again and queued: the worker does it again, overwriting the views; with the output options the
        request's `preset`, `cutout` and `upscale` change (UnknownPreset for a name the presets do not know), the
        record's own for those it leaves out."""
        current = self.repository.require(image_id)  # ImageNotFound when there is none
        chosen = requested_output(output, current.output, self.settings.presets_file)
        record = self.repository.requeue(image_id, chosen)
        if record is None:
            raise ImagePending(f"image {image_id} is pending: it can be processed again once it is processed or failed")
        try:
            self.queue.publish(Job(image_id))
        except ServiceUnavailable:
            self.repository.mark_failed(image_id, QUEUE_DOWN_REASON)
            raise
        log.info("image queued again", extra={"image_id": image_id})
        return record

    def views_zip(self, records: Sequence[Record], folders: bool) -> Iterator[bytes]:
        """A ZIP of the records' views, made as it is sent: each view read from S3 in chunks when its turn comes,
        nothing stored (JPEG and WebP do not compress). With `folders`, each image's views in a folder of its
        name."""
        archive = ZipStream(compress_type=ZIP_STORED)
        for record, folder in zip(records, folder_names(records), strict=True):
            for name, key in view_entries(record):
                archive.add(self._chunks(key), f"{folder}/{name}" if folders else name)
        return iter(archive)

    def _chunks(self, key: str) -> Iterator[bytes]:
        # A generator: the object is opened only when the archive reaches it.
        yield from self.storage.chunks(key)

    def with_views(self, image_ids: list[int]) -> list[Record]:
        """The records to zip, in the order asked: ImageNotFound naming any unknown id, NoViews when none of them
        has views (one without views, pending or failed, is left out of a selection)."""
        records = self.repository.get_many(image_ids)
        missing = [i for i in image_ids if i not in {r.id for r in records}]
        if missing:
            raise ImageNotFound(f"no image with id {', '.join(map(str, missing))}")
        with_views = [record for record in records if record.shots]
        if not with_views:
            which = f"image {image_ids[0]} has" if len(image_ids) == 1 else "none of these images has"
            raise NoViews(f"{which} no views: views are made when an image is processed")
        return with_views
