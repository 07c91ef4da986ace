"""Handlers: parse the request, call posecraft.submissions, shape the answer."""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, current_app, jsonify, request
from werkzeug.datastructures import FileStorage

from posecraft.errors import MalformedRequest, UnsupportedContentType
from posecraft.http.json_body import InvalidJSONBody, parse_json_body
from posecraft.submissions import Ingest

bp = Blueprint("ingest", __name__, url_prefix="/api")


def _ingest() -> Ingest:
    return current_app.extensions["ingest"]


@bp.post("/process")
def process():
    if request.mimetype == "multipart/form-data":
        upload = _uploaded_file()
        submission = _ingest().submit_upload(upload.read(), upload.filename, request.form.get("callbackUrl"),
                                              request.form)
    else:
        body = _json_object(("imageUrl", "imageData"))
        if "imageUrl" in body:
            submission = _ingest().submit_url(body["imageUrl"], body.get("callbackUrl"), body)
        else:
            submission = _ingest().submit_upload(_data_url_bytes(body["imageData"]), None, body.get("callbackUrl"),
                                                 body)
    return jsonify(submission.to_json()), 202


@bp.post("/process-batch")
def process_batch():
    body = _json_object(("imageUrls",))
    submissions = _ingest().submit_urls(body["imageUrls"], body.get("callbackUrl"), body)
    return jsonify({"items": [s.to_json() for s in submissions]}), 202


def _uploaded_file() -> FileStorage:
    upload = request.files.get("file")
    if upload is None and "file" in request.form:
        raise MalformedRequest("the 'file' field holds text, not a file: send the image as a file (with a filename)")
    if upload is None:
        named = sorted(set(request.files) | set(request.form))
        found = f"; the request has {', '.join(repr(n) for n in named)}" if named else ""
        raise MalformedRequest(f"send the image in a multipart field named 'file'{found}")
    return upload


def _json_object(fields: tuple[str, ...]) -> dict:
    """The JSON body, which must be an object holding exactly one of `fields`."""
    wanted = " or ".join(f'"{f}"' for f in fields)
    if not request.is_json:
        also = " (or multipart/form-data with a 'file' field)" if request.path.endswith("/process") else ""
        raise UnsupportedContentType(
            f"Content-Type {request.mimetype or 'missing'} is not accepted: send application/json{also}")
    try:
        body = parse_json_body(request.get_data(cache=False))
    except InvalidJSONBody as exc:
        raise MalformedRequest(str(exc)) from None
    if not isinstance(body, dict):
        raise MalformedRequest(f"the body must be a JSON object with {wanted}")
    present = [f for f in fields if f in body]
    if not present:
        keys = ", ".join(f'"{k}"' for k in list(body)[:10]) or "none"
        raise MalformedRequest(f"the JSON object must have {wanted}; its keys are: {keys}")
    if len(present) > 1:
        raise MalformedRequest(f"send only one of {wanted}, not both")
    return body


def _data_url_bytes(value: object) -> bytes:
    """The bytes of a `data:<type>;base64,<data>` URL. The declared type is ignored: the bytes are judged by
    decoding."""
    if not isinstance(value, str) or not value.startswith("data:") or "," not in value:
        raise MalformedRequest('imageData must be a data URL: "data:image/jpeg;base64,..."')
    header, payload = value.split(",", 1)
    if not header.endswith(";base64"):
        raise MalformedRequest('imageData must be base64-encoded: "data:image/jpeg;base64,..."')
    try:
        return base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedRequest(f"imageData is not valid base64: {exc}") from None
