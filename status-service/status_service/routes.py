"""Handlers: parse the request, call posecraft.catalogue, shape the answer."""
from __future__ import annotations

import select
import socket

from flask import Blueprint, Response, current_app, jsonify, request

from posecraft.catalogue import Catalogue, ListQuery, parse_id, parse_ids
from posecraft.errors import MalformedRequest
from posecraft.stores.events import EventHub, EventStreamBody
from posecraft.views.presets import known_presets

bp = Blueprint("status", __name__, url_prefix="/api")


def _catalogue() -> Catalogue:
    catalogue = current_app.extensions["catalogue"]
    catalogue.repository.ensure_prepared()  # records of an older schema are rewritten before the first answer
    return catalogue


def _max_ids() -> int:
    return current_app.extensions["settings"].max_status_ids


@bp.get("/image-status/<path:raw_id>")
def image_status(raw_id: str):
    catalogue = _catalogue()
    return jsonify(catalogue.status(catalogue.repository.require(parse_id(raw_id))))


@bp.get("/image-status")
def image_statuses():
    if request.args.get("ids") is None:
        raise MalformedRequest("pass the ids to look up as ?ids=1,2,3 (or use /api/image-status/<id>)")
    ids = parse_ids(request.args["ids"], _max_ids())
    items = _catalogue().statuses(ids)
    found = {item["id"] for item in items}
    return jsonify({"items": items, "missing": [i for i in ids if i not in found]})


@bp.get("/images")
def images():
    return jsonify(_catalogue().listing(ListQuery.parse(request.args)))


@bp.get("/images/counts")
def image_counts():
    return jsonify(_catalogue().counts(ListQuery.parse(request.args, allowed=("q",)).text))


@bp.get("/presets")
def presets():
    settings = current_app.extensions["settings"]
    return jsonify({"items": [preset.to_json() for preset in known_presets(settings.presets_file).values()],
                    "default": settings.default_preset})


@bp.get("/events")
def events():
    hub: EventHub = current_app.extensions["events"]
    settings = current_app.extensions["settings"]
    stream = hub.open()
    client = request.environ.get("gunicorn.socket")
    body = EventStreamBody(hub, stream, settings.event_keepalive_seconds, lambda: _closed(client))
    return Response(body, mimetype="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _closed(sock: socket.socket | None) -> bool:
    """The client hung up: its socket reads as closed (the WSGI app hears of it otherwise only when a write fails,
    up to a keepalive later)."""
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True
