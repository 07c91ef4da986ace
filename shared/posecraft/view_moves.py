"""Views stored before schema 4 sit at guessable keys (`views/<id>/<label>.<ext>`): each is copied under its
record's view token (`views/<id>-<token>/...`), the record's shots are pointed at the copies, and the old objects
are deleted, so `views/<id>/...` answers 404.

Run by `posecraft migrate`, which has both MongoDB and S3 (the services' own start-up migration is MongoDB's only).
Safe to run again (a moved record has nothing left to move) and while the stack runs: a record a job rewrote
meanwhile keeps the shots the job made (under the token already), and its old objects are deleted all the same.
"""
from __future__ import annotations

import dataclasses
import logging

from posecraft.records import Record
from posecraft.stores.images import ImageRepository
from posecraft.stores.storage import Storage, view_folder

log = logging.getLogger(__name__)


def guessable_prefix(image_id: int) -> str:
    return f"views/{image_id}/"


def move_guessable_views(repository: ImageRepository, storage: Storage) -> int:
    """Move every record's views out of `views/<id>/`; returns the records moved."""
    moved = 0
    for record in repository.with_shots_under(guessable_prefix):
        _move(record, repository, storage)
        moved += 1
    if moved:
        log.info("moved the views of %d image records under their view tokens", moved)
    return moved


def _move(record: Record, repository: ImageRepository, storage: Storage) -> None:
    old, folder = guessable_prefix(record.id), view_folder(record.id, record.view_token)
    shots = tuple(dataclasses.replace(shot, key=folder + shot.key.removeprefix(old)) if shot.key.startswith(old)
                  else shot for shot in record.shots)
    for before, after in zip(record.shots, shots, strict=True):
        if before.key != after.key and storage.exists(before.key):  # a lost view stays lost, at its new key
            storage.copy(before.key, after.key)
    repository.replace_shots(record, shots)
    storage.delete(storage.list_keys(old))
