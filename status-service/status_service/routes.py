"""Handlers: parse the ids, read the records, answer with their status objects."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, request

from posecraft.errors import ImageNotFound, MalformedRequest
from posecraft.records import MediaLinks, status_object
from posecraft.repository import ImageRepository

bp = Blueprint("status", __name__, url_prefix="/api")

_ID = re.compile(r"[1-9][0-9]{0,17}")


def _repository() -> ImageRepository:
    repository = current_app.extensions["repository"]
    repository.ensure_prepared()  # records of an older schema are rewritten before the first answer
    return repository


def _links() -> MediaLinks:
    return current_app.extensions["media_links"]


@bp.get("/image-status/<path:raw_id>")
def image_status(raw_id: str):
    image_id = _parse_id(raw_id)
    record = _repository().get(image_id)
    if record is None:
        raise ImageNotFound(f"no image with id {image_id}")
    return jsonify(status_object(record, _links()))


@bp.get("/image-status")
def image_statuses():
    limit = current_app.extensions["settings"].max_status_ids
    raw = request.args.get("ids")
    if raw is None:
        raise MalformedRequest("pass the ids to look up as ?ids=1,2,3 (or use /api/image-status/<id>)")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise MalformedRequest("ids is empty: pass ?ids=1,2,3")
    ids = list(dict.fromkeys(_parse_id(p) for p in parts))
    if len(ids) > limit:
        raise MalformedRequest(f"{len(ids)} ids asked for; at most {limit} in one call")
    records = _repository().get_many(ids)
    found = {r.id for r in records}
    return jsonify({"items": [status_object(r, _links()) for r in records],
                    "missing": [i for i in ids if i not in found]})


def _parse_id(raw: str) -> int:
    if not _ID.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise MalformedRequest(f"an image id is a positive whole number, not {shown!r}")
    return int(raw)
