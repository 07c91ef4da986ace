"""The hand-written OpenAPI 3 description of the API, served by both services at /api/openapi.json.

Limits in it (body size, batch size, URL length, ids per call) are filled in from the Settings the service runs with.
"""
from __future__ import annotations

from posecraft.catalogue import DEFAULT_PAGE, MAX_PAGE, MAX_QUERY_LENGTH
from posecraft.config import Settings
from posecraft.records import Status
from posecraft.views.presets import known_presets

STATUSES = [status.value for status in Status]
COUNTS = {"type": "object", "required": STATUSES, "properties": {status: {"type": "integer"} for status in STATUSES}}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _id_parameter() -> dict:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def _ids_parameter(settings: Settings) -> dict:
    return {"name": "ids", "in": "query", "required": True,
            "description": f"Comma-separated ids, e.g. `1,2,3`; at most {settings.max_status_ids}.",
            "schema": {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"}}


def _zip_answer(description: str) -> dict:
    return {"description": description, "content": {"application/zip": {"schema": {"type": "string",
                                                                                 "format": "binary"}}}}


CALLBACK_DESCRIPTION = (
    "Told when the image ends processed or failed: POSTed its status object as JSON, with `X-PoseCraft-Event: "
    "image.processed | image.failed` and `X-PoseCraft-Signature: sha256=<hex HMAC-SHA256 of the raw body keyed "
    "with WEBHOOK_SECRET>`. Anything but a 2xx is tried again with backoff (5 tries over about 10 minutes). The "
    "same rules as image URLs (public addresses, ports 80/443); refused (400) when the server has no WEBHOOK_SECRET."
)


def output_fields(settings: Settings, flag_type: str = "boolean") -> dict:
    """The `preset`, `cutout` and `upscale` fields a submission may carry (a form's flags are the text true or
    false)."""
    names = list(known_presets(settings.presets_file))
    flag = {"type": "boolean"} if flag_type == "boolean" else {"type": "string", "enum": ["true", "false"]}
    return {
        "preset": {"type": "string", "enum": names,
                   "description": f"The output preset the views follow (default {settings.default_preset}); "
                                  "an unknown one is a 400 naming those there are."},
        "cutout": {**flag, "description": "Also cut the person out on transparency (a PNG view); default from "
                                          "VIEW_CUTOUT."},
        "upscale": {**flag, "description": "Enlarge views below the preset's minimum size to it (marked "
                                           "`upscaled`) instead of flagging them; default false."},
    }


def openapi_spec(settings: Settings) -> dict:
    errors = {
        "413": _error(f"The request body is over {settings.max_upload_bytes} bytes (max_upload_bytes)."),
        "503": _error("MongoDB, Redis or S3 is unavailable; the reason names which. Nothing was queued: if a record "
                      "was created it is `failed` with that reason, and submitting again queues it."),
        # From nginx, the front door (docs/OPERATING.md, "The front door"), in the same JSON shape.
        "414": _error("The request line is over 8 KB."),
        "429": _error("This client address sent more requests (or holds more at once) than the front door allows; "
                      "`Retry-After` says when to try again."),
        "431": _error("The request's headers are over 8 KB a line or 32 KB in all."),
    }
    return {
        "openapi": "3.0.3",
        # The limits as numbers, for clients that check before sending (the web page reads maxUploadBytes).
        "x-limits": {"maxUploadBytes": settings.max_upload_bytes, "maxBatchUrls": settings.max_batch_urls,
                     "maxStatusIds": settings.max_status_ids},
        "info": {
            "title": "PoseCraft API",
            "version": "1.0.0",
            "description": (
                "Submit photos of a person wearing a garment; read each image's status and its garment views.\n\n"
                "Every error is JSON `{\"error\": \"<reason>\"}`. Statuses: 400 malformed request (bad JSON, wrong "
                "or missing field, invalid or unsafe URL, bad id); 404 unknown id or path; 405 wrong method; 413 "
                "body too large; 415 not a supported image (JPEG, PNG, WebP, GIF, BMP, TIFF), or a Content-Type "
                "the endpoint does not take; 422 a supported image that cannot be used (truncated or damaged "
                f"pixel data, more than {settings.max_image_pixels} pixels); 503 a backing service is down."
            ),
        },
        "paths": {
            "/api/process": {
                "post": {
                    "operationId": "processImage",
                    "summary": "Submit one image: an upload, a URL, or a data URL.",
                    "description": (
                        "An upload is judged by decoding it, never by its name or Content-Type, stored in S3 under "
                        "its content hash, and recorded by that hash: the same file twice is one record. "
                        "A URL already pending or processed answers with its record (`duplicate: true`); a failed "
                        "one is queued again."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {"type": "object", "required": ["file"], "properties": {
                                    "file": {"type": "string", "format": "binary",
                                             "description": "The photo; its filename becomes the image's `name`."},
                                    "callbackUrl": {"type": "string", "description": CALLBACK_DESCRIPTION},
                                    **output_fields(settings, "true or false")}},
                            },
                            "application/json": {
                                "schema": {"oneOf": [
                                    {"$ref": "#/components/schemas/ImageUrlRequest"},
                                    {"$ref": "#/components/schemas/ImageDataRequest"},
                                ]},
                            },
                        },
                    },
                    "responses": {
                        "202": {"description": "Recorded and queued (or an existing record: `duplicate: true`).",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Submission"}}}},
                        "400": _error("Malformed JSON, a wrong field, an invalid or unsafe URL, a bad data URL."),
                        "415": _error("Not a supported image, or a Content-Type other than multipart or JSON."),
                        "422": _error("A supported image that cannot be used: truncated, damaged, too many pixels."),
                        **errors,
                    },
                },
            },
            "/api/process-batch": {
                "post": {
                    "operationId": "processBatch",
                    "summary": f"Submit 1 to {settings.max_batch_urls} image URLs, all or nothing.",
                    "description": (
                        "Every URL is checked before any is recorded: if one is invalid the answer is 400 with "
                        "`invalid: [{url, reason}]` and nothing is created. Repeats collapse: one item per "
                        "distinct URL, in the order each first appears."
                    ),
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}},
                    },
                    "responses": {
                        "202": {"description": "One item per distinct URL.",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["items"],
                                    "properties": {"items": {"type": "array",
                                                             "items": {"$ref": "#/components/schemas/Submission"}}},
                                }}}},
                        "400": {"description": "Malformed JSON, a wrong field, an empty or too large batch, or "
                                               "invalid URLs (listed in `invalid`). Nothing was created.",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/BatchError"}}}},
                        "415": _error("A Content-Type other than application/json."),
                        **errors,
                    },
                },
            },
            "/api/image-status/{id}": {
                "get": {
                    "operationId": "imageStatus",
                    "summary": "The status of one image and its views.",
                    "parameters": [{"name": "id", "in": "path", "required": True,
                                    "schema": {"type": "integer", "minimum": 1}}],
                    "responses": {
                        "200": {"description": "The image's status.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                        "400": _error("The id is not a positive whole number."),
                        "404": _error("No image has this id."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/image-status": {
                "get": {
                    "operationId": "imageStatuses",
                    "summary": f"The status of up to {settings.max_status_ids} images in one call.",
                    "parameters": [{"name": "ids", "in": "query", "required": True,
                                    "description": "Comma-separated ids, e.g. `1,2,3`.",
                                    "schema": {"type": "string", "pattern": "^[0-9]+(,[0-9]+)*$"}}],
                    "responses": {
                        "200": {"description": "The records found, in the order asked; ids with no record in "
                                               "`missing`.",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["items", "missing"],
                                    "properties": {
                                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Status"}},
                                        "missing": {"type": "array", "items": {"type": "integer"}},
                                    },
                                }}}},
                        "400": _error(f"No ids, a malformed id, or more than {settings.max_status_ids} ids."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/images": {
                "get": {
                    "operationId": "listImages",
                    "summary": "The catalogue: every image, newest first, a page at a time.",
                    "description": (
                        "Cursor paging by id: pass the answer's `next` as `cursor` for the next page (null: the "
                        "last). New images never shift later pages: nothing is repeated or skipped. `counts` are "
                        "per status of the images `q` matches, whatever `status` filters."
                    ),
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                    "maximum": MAX_PAGE, "default": DEFAULT_PAGE}},
                        {"name": "cursor", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]+$"},
                         "description": "The `next` of the page before."},
                        {"name": "status", "in": "query", "schema": {"type": "string", "enum": STATUSES}},
                        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                         "description": "Text the name or the URL contains, in any case (not a pattern)."},
                        {"name": "counts", "in": "query", "schema": {"type": "boolean", "default": True},
                         "description": "false: `counts` is null and the rows do not wait for the counting."},
                    ],
                    "responses": {
                        "200": {"description": "A page of the catalogue.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}},
                        "400": _error("A bad or unknown parameter; the reason names it."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/images/counts": {
                "get": {
                    "operationId": "imageCounts",
                    "summary": "How many images have each status (of those `q` matches).",
                    "parameters": [{"name": "q", "in": "query",
                                    "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH}}],
                    "responses": {
                        "200": {"description": "The counts.", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Counts"}}}},
                        "400": _error("A bad or unknown parameter."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/presets": {
                "get": {
                    "operationId": "listPresets",
                    "summary": "The output presets a submission may name, with their rules, and the server's default.",
                    "description": "The built-in presets and the team's own (PRESETS_FILE, which may replace a "
                                   "built-in of the same name); `default` is the one a submission naming none gets "
                                   "(DEFAULT_PRESET). `rules` are the words `posecraft presets` prints.",
                    "responses": {
                        "200": {"description": "The presets, in the order `posecraft presets` lists them.",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["items", "default"],
                                    "properties": {
                                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Preset"}},
                                        "default": {"type": "string", "description": "DEFAULT_PRESET."},
                                    },
                                }}}},
                    },
                },
            },
            "/api/images/{id}": {
                "delete": {
                    "operationId": "deleteImage",
                    "summary": "Remove an image: its record, its views and its uploaded original.",
                    "description": "Afterwards its status and media answer 404; the same file or URL submitted "
                                   "again is a new image. A job still queued for it is dropped.",
                    "parameters": [_id_parameter()],
                    "responses": {
                        "204": {"description": "Deleted."},
                        "400": _error("The id is not a positive whole number."),
                        "404": _error("No image has this id."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/images/{id}/reprocess": {
                "post": {
                    "operationId": "reprocessImage",
                    "summary": "Process a processed or failed image again; its views are overwritten.",
                    "parameters": [_id_parameter()],
                    "requestBody": {
                        "required": False,
                        "description": "Other output options (the page's Re-process dialog sends the preset and the "
                                       "cut-out); a field left out, or no body, keeps the record's own.",
                        "content": {"application/json": {"schema": {
                            "type": "object", "additionalProperties": False, "properties": output_fields(settings),
                        }}},
                    },
                    "responses": {
                        "202": {"description": "Queued again: the status object, now pending.",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
                        "400": _error("The id is not a positive whole number, the body is not such an object, or "
                                      "it names an unknown preset (the answer lists them)."),
                        "404": _error("No image has this id."),
                        "409": _error("The image is pending."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/images/{id}/views.zip": {
                "get": {
                    "operationId": "imageViewsZip",
                    "summary": "The views of an image as one ZIP, streamed: `<name without extension>-<label>.<ext>`.",
                    "parameters": [_id_parameter()],
                    "responses": {
                        "200": _zip_answer("The ZIP, made as it is sent."),
                        "400": _error("The id is not a positive whole number."),
                        "404": _error("No image has this id."),
                        "409": _error("The image has no views (pending, or failed)."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/images/views.zip": {
                "get": {
                    "operationId": "selectionViewsZip",
                    "summary": f"The views of up to {settings.max_status_ids} images as one ZIP, a folder per image.",
                    "description": "Each image's views in a folder of its name (its id added when two share one); "
                                   "images without views are left out.",
                    "parameters": [_ids_parameter(settings)],
                    "responses": {
                        "200": _zip_answer("The ZIP, made as it is sent."),
                        "400": _error(f"No ids, a malformed id, or more than {settings.max_status_ids}."),
                        "404": _error("An id no image has (named)."),
                        "409": _error("None of the images has views."),
                        "503": errors["503"],
                    },
                },
            },
            "/api/events": {
                "get": {
                    "operationId": "catalogueEvents",
                    "summary": "Server-sent events: the catalogue as it changes.",
                    "description": (
                        "`event: image` with `data: <status object>` when an image is created, processed, failed or "
                        "queued again, and `data: {\"id\": n, \"deleted\": true}` when one is deleted. A comment "
                        f"line every {settings.event_keepalive_seconds:g} s keeps proxies from closing it. The stream "
                        "ends when events could have been lost (Redis down): reconnect and read the list again."
                    ),
                    "responses": {
                        "200": {"description": "The stream.", "content": {"text/event-stream": {"schema": {
                            "type": "string"}}}},
                        "503": _error("Redis is unavailable, or this server holds its most streams: poll "
                                      "/api/image-status?ids= meanwhile."),
                    },
                },
            },
        },
        "components": {
            "schemas": {
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string"}}},
                "Page": {
                    "type": "object", "required": ["items", "next", "counts"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Status"}},
                        "next": {"type": "string", "nullable": True},
                        "counts": {**COUNTS, "nullable": True},
                    },
                },
                "Counts": COUNTS,
                "BatchError": {
                    "type": "object", "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "invalid": {"type": "array", "items": {
                            "type": "object", "required": ["url", "reason"],
                            "properties": {"url": {}, "reason": {"type": "string"}},
                        }},
                    },
                },
                "ImageUrlRequest": {
                    "type": "object", "required": ["imageUrl"],
                    "properties": {"imageUrl": {"type": "string", "maxLength": settings.max_url_length,
                                                "description": "An absolute http(s) URL of a public host."},
                                   "callbackUrl": {"type": "string", "description": CALLBACK_DESCRIPTION},
                                   **output_fields(settings)},
                },
                "ImageDataRequest": {
                    "type": "object", "required": ["imageData"],
                    "properties": {"imageData": {"type": "string", "pattern": "^data:[^,]*;base64,",
                                                 "description": "A data URL: data:image/jpeg;base64,... Its "
                                                                "`name` is `upload-<id>.<ext>`."},
                                   "callbackUrl": {"type": "string", "description": CALLBACK_DESCRIPTION},
                                   **output_fields(settings)},
                },
                "BatchRequest": {
                    "type": "object", "required": ["imageUrls"],
                    "properties": {"imageUrls": {
                        "type": "array", "minItems": 1, "maxItems": settings.max_batch_urls,
                        "items": {"type": "string", "maxLength": settings.max_url_length},
                    }, "callbackUrl": {"type": "string", "description": "For every image of the batch (an image "
                                                                       "already processed is told at once). "
                                                                       + CALLBACK_DESCRIPTION},
                                   **output_fields(settings)},
                },
                "Submission": {
                    "type": "object", "required": ["id", "url", "status", "duplicate"],
                    "properties": {
                        "id": {"type": "integer"},
                        "url": {"type": "string"},
                        "status": {"type": "string", "enum": STATUSES},
                        "duplicate": {"type": "boolean"},
                    },
                },
                "Preset": {
                    "type": "object", "required": ["name", "title", "rules"],
                    "properties": {
                        "name": {"type": "string", "description": "What a submission's `preset` names."},
                        "title": {"type": "string", "description": "The name to show, e.g. Zalando."},
                        "rules": {"type": "array", "items": {"type": "string"},
                                  "description": "What the preset asks of every view, in words."},
                        "minSize": {"type": "array", "items": {"type": "integer"}, "nullable": True,
                                    "description": "The smallest width and height it accepts; null: none."},
                        "minLongSide": {"type": "integer", "nullable": True,
                                        "description": "The shortest longest side it accepts; null: none."},
                        "upscale": {"type": "boolean",
                                    "description": "It enlarges views below its minimum itself (a submission's "
                                                   "`upscale` asks the same of any preset)."},
                    },
                },
                "Shot": {
                    "type": "object", "required": ["label", "url", "width", "height", "box"],
                    "properties": {
                        "label": {"type": "string"},
                        "title": {"type": "string"},
                        "url": {"type": "string"},
                        "width": {"type": "integer"},
                        "height": {"type": "integer"},
                        "box": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
                        "lowResolution": {"type": "boolean"},
                        "padded": {"type": "boolean",
                                   "description": "White bands hold the margin where the photo ends."},
                        "reach": {"type": "string", "nullable": True, "enum": ["feet", "knees", "thighs", "hips", None],
                                  "description": "The length view: how far down the body it goes."},
                        "upscaled": {"type": "boolean", "description": "Written larger than its box (a preset asked)."},
                        "notes": {"type": "array", "items": {"type": "string"},
                                  "description": "What of the preset's rules this view misses, in words."},
                    },
                },
                "Status": {
                    "type": "object",
                    "required": ["id", "name", "url", "status", "shots", "error", "createdAt", "updatedAt"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string", "description": "The uploaded file's name, the URL's last path "
                                                                  "segment, or `upload-<id>.<ext>`."},
                        "url": {"type": "string"},
                        "status": {"type": "string", "enum": STATUSES},
                        "shots": {"type": "array", "items": {"$ref": "#/components/schemas/Shot"}},
                        "skipped": {"type": "array", "items": {
                            "type": "object", "properties": {"label": {"type": "string"}, "title": {"type": "string"},
                                                             "reason": {"type": "string"}}}},
                        "people": {"type": "integer", "nullable": True},
                        "ambiguous": {"type": "boolean",
                                      "description": "Another person in the photo scored close to the one chosen."},
                        "preset": {"type": "string", "description": "The output preset the views follow."},
                        "cutout": {"type": "boolean", "description": "Whether a cut-out (PNG with alpha) is made."},
                        "upscale": {"type": "boolean",
                                    "description": "Whether views below the preset's minimum are enlarged to it."},
                        "error": {"type": "string", "nullable": True},
                        "createdAt": {"type": "string", "format": "date-time"},
                        "updatedAt": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    }
