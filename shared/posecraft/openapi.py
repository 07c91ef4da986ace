"""The hand-written OpenAPI 3 description of the three endpoints, served by both services at /api/openapi.json.

Limits in it (body size, batch size, URL length, ids per call) are filled in from the Settings the service runs with.
"""
from __future__ import annotations

from posecraft.config import Settings
from posecraft.records import Status

STATUSES = [status.value for status in Status]


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


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
                                "schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": {"type": "string", "format": "binary"}}},
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
        },
        "components": {
            "schemas": {
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string"}}},
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
                                                "description": "An absolute http(s) URL of a public host."}},
                },
                "ImageDataRequest": {
                    "type": "object", "required": ["imageData"],
                    "properties": {"imageData": {"type": "string", "pattern": "^data:[^,]*;base64,",
                                                 "description": "A data URL: data:image/jpeg;base64,..."}},
                },
                "BatchRequest": {
                    "type": "object", "required": ["imageUrls"],
                    "properties": {"imageUrls": {
                        "type": "array", "minItems": 1, "maxItems": settings.max_batch_urls,
                        "items": {"type": "string", "maxLength": settings.max_url_length},
                    }},
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
                    },
                },
                "Status": {
                    "type": "object",
                    "required": ["id", "url", "status", "shots", "error", "createdAt", "updatedAt"],
                    "properties": {
                        "id": {"type": "integer"},
                        "url": {"type": "string"},
                        "status": {"type": "string", "enum": STATUSES},
                        "shots": {"type": "array", "items": {"$ref": "#/components/schemas/Shot"}},
                        "skipped": {"type": "array", "items": {
                            "type": "object", "properties": {"label": {"type": "string"}, "title": {"type": "string"},
                                                             "reason": {"type": "string"}}}},
                        "people": {"type": "integer", "nullable": True},
                        "ambiguous": {"type": "boolean",
                                      "description": "Another person in the photo scored close to the one chosen."},
                        "error": {"type": "string", "nullable": True},
                        "createdAt": {"type": "string", "format": "date-time"},
                        "updatedAt": {"type": "string", "format": "date-time"},
                    },
                },
            },
        },
    }
