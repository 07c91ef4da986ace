"""Handlers: parse the ids, read the records, shape them as the API's status objects."""
from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, current_app, jsonify, request

from posecraft.repository import ImageRepository
from posecraft.web import BadRequest, error_response

bp = Blueprint("status", __name__, url_prefix="/api")

_ID = re.compile(r"[1-9][0-9]{0,17}")


def _repository() -> ImageRepository:
    return current_app.extensions["repository"]


@bp.get("/image-status/<path:raw_id>")
def image_status(raw_id: str):
    image_id = _parse_id(raw_id)
    record = _repository().get(image_id)
    if record is None:
        return error_response(404, f"no image with id {image_id}")
    return jsonify(status_json(record))


@bp.get("/image-status")
def image_statuses():
    limit = current_app.extensions["settings"].max_status_ids
    raw = request.args.get("ids")
    if raw is None:
        raise BadRequest("pass the ids to look up as ?ids=1,2,3 (or use /api/image-status/<id>)")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise BadRequest("ids is empty: pass ?ids=1,2,3")
    ids = list(dict.fromkeys(_parse_id(p) for p in parts))
    if len(ids) > limit:
        raise BadRequest(f"{len(ids)} ids asked for; at most {limit} in one call")
    records = _repository().get_many(ids)
    found = {r["_id"] for r in records}
    return jsonify({"items": [status_json(r) for r in records], "missing": [i for i in ids if i not in found]})


def _parse_id(raw: str) -> int:
    if not _ID.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "..."
        raise BadRequest(f"an image id is a positive whole number, not {shown!r}")
    return int(raw)


def status_json(record: dict) -> dict:
    return {
        "id": record["_id"],
        "url": record["url"],
        "status": record["status"],
        "shots": record.get("shots") or [],
        "skipped": record.get("skipped") or [],
        "people": record.get("people"),
        "error": record.get("error"),
        "createdAt": _iso(record["createdAt"]),
        "updatedAt": _iso(record["updatedAt"]),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
