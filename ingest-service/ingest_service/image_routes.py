"""Handlers of the actions on an image: parse the id, call posecraft.image_actions, shape the answer."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, request

from posecraft.catalogue import parse_id, parse_ids, stem
from posecraft.errors import MalformedRequest
from posecraft.http.json_body import InvalidJSONBody, parse_json_body
from posecraft.image_actions import ImageActions
from posecraft.records import status_object
from posecraft.views.presets import OUTPUT_FIELDS

bp = Blueprint("images", __name__, url_prefix="/api")


def _actions() -> ImageActions:
    actions = current_app.extensions["image_actions"]
    actions.repository.ensure_prepared()  # records of an older schema are rewritten before the first answer
    return actions


def _max_ids() -> int:
    return current_app.extensions["image_actions"].settings.max_status_ids


@bp.delete("/images/<raw_id>")
def delete_image(raw_id: str):
    _actions().delete(parse_id(raw_id))
    return "", 204


@bp.post("/images/<raw_id>/reprocess")
def reprocess(raw_id: str):
    image_id = parse_id(raw_id)
    raw = request.get_data(cache=False).strip()
    try:
        options = parse_json_body(raw) if raw else {}
    except InvalidJSONBody as exc:
        raise MalformedRequest(str(exc)) from None
    if not isinstance(options, dict) or set(options) - set(OUTPUT_FIELDS):
        raise MalformedRequest('reprocess takes an optional JSON object '
                               '{"preset": "<name>", "cutout": true|false, "upscale": true|false}')
    record = _actions().reprocess(image_id, options)
    return jsonify(status_object(record, current_app.extensions["ingest"].links)), 202


@bp.get("/images/<raw_id>/views.zip")
def views_zip(raw_id: str):
    actions = _actions()
    records = actions.with_views([parse_id(raw_id)])
    return _zip(actions.views_zip(records, folders=False), f"{stem(records[0].name)}-views.zip")


@bp.get("/images/views.zip")
def selection_zip():
    actions = _actions()
    records = actions.with_views(parse_ids(request.args.get("ids"), _max_ids()))
    return _zip(actions.views_zip(records, folders=True), f"posecraft-{len(records)}-images.zip")


def _zip(chunks, filename: str) -> Response:
    # filename*: a name in any script; filename: its ASCII fallback for old clients.
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(chunks, mimetype="application/zip", direct_passthrough=True, headers={
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}",
        "X-Accel-Buffering": "no",
    })
