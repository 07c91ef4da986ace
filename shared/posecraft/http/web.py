"""What both Flask services share: JSON errors for every status, health and readiness, CORS, the OpenAPI spec.

Error statuses (the OpenAPI spec documents the same):
  400 malformed request: bad JSON, a wrong or missing field, an invalid or unsafe URL, a bad batch or id
  404 unknown id or path          405 method not allowed on that path
  413 the request body is over max_upload_bytes (the same number nginx's client_max_body_size is set from)
  415 the body is not a supported image, or the request's Content-Type is not one the endpoint takes
  422 a supported image that cannot be used: truncated or damaged pixel data, more than max_image_pixels
  503 MongoDB, Redis or S3 is unavailable (the reason names which); try again later
  500 a bug: the answer says only "internal error"; the log has the trace
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask_cors import CORS
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from werkzeug.exceptions import HTTPException

from posecraft import logs, settings_checks
from posecraft.config import Settings
from posecraft.errors import (
    Forbidden,
    ImageNotFound,
    ImagePending,
    ImageTooLarge,
    InvalidBatch,
    InvalidImage,
    InvalidURL,
    MalformedRequest,
    NotAuthenticated,
    NoViews,
    PoseCraftError,
    ServiceUnavailable,
    UnsafeURL,
    UnsupportedContentType,
    UnusableImage,
)
from posecraft.http.auth import SESSION_COOKIE, Gate, KeyStore, RequestCredentials
from posecraft.http.openapi import openapi_spec

log = logging.getLogger(__name__)

# Under gunicorn with several workers, set PROMETHEUS_MULTIPROC_DIR (an empty folder) so /metrics adds them all up.
REQUESTS = Counter("posecraft_http_requests_total", "HTTP requests answered",
                   ["service", "endpoint", "method", "status"])
LATENCY = Histogram("posecraft_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["service", "endpoint"])

# The HTTP status of each error class; an error takes that of the nearest class along its MRO
# (UnusableImage is an InvalidImage but answers 422, not 415). A PoseCraftError with none is a bug: 500.
HTTP_STATUS: dict[type[PoseCraftError], int] = {
    MalformedRequest: 400,  # UnknownPreset too
    InvalidBatch: 400,
    InvalidURL: 400,
    UnsafeURL: 400,
    NotAuthenticated: 401,
    Forbidden: 403,
    ImageNotFound: 404,
    ImagePending: 409,
    NoViews: 409,
    InvalidImage: 415,
    UnsupportedContentType: 415,
    UnusableImage: 422,
    ImageTooLarge: 422,
    ServiceUnavailable: 503,
}

MAX_FORM_PARTS = 1000

_SHORT_REASONS = {
    400: "bad request",
    404: "not found: no such endpoint",
    405: "method not allowed",
    413: "the request body is too large",
    415: "unsupported media type",
}


def http_status(error: PoseCraftError) -> int:
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


def error_response(status: int, reason: str, **extra):
    response = jsonify({"error": reason, **extra})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "5"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="posecraft"'
    return response


def _handle_domain_error(exc: PoseCraftError):
    status = http_status(exc)
    if status == 500:
        return _handle_unexpected(exc)
    if status == 503:
        log.warning("answering 503: %s", exc.reason)
    extra = {"invalid": exc.invalid} if isinstance(exc, InvalidBatch) and exc.invalid else {}
    return error_response(status, exc.reason, **extra)


def _handle_http_error(exc: HTTPException):
    """Werkzeug's own errors (no route, wrong method, body over the limit): the same JSON shape."""
    status = exc.code or 500
    if status == 413 and (request.content_length or 0) <= current_app.config["MAX_CONTENT_LENGTH"]:
        # Werkzeug answers too many form parts with 413 too: the body itself was within the limit.
        return error_response(400, f"the form has more than {MAX_FORM_PARTS} parts: send the image alone, "
                                   "in a field named 'file'")
    if status == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        reason = (f"the request body is over the {_megabytes(limit)} limit ({limit} bytes): "
                  "send a smaller image")
    else:
        reason = _SHORT_REASONS.get(status) or (exc.name or "error").lower()
    response = error_response(status, reason)
    allowed = getattr(exc, "valid_methods", None)
    if status == 405 and allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def _handle_unexpected(exc: Exception):
    log.exception("unhandled error")
    return error_response(500, "internal error")


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.3g} MB"


def health_blueprint(checks: dict[str, Callable[[], None]]) -> Blueprint:
    """/healthz: the process answers (liveness). /readyz: each dependency in `checks` answers a ping."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    @bp.get("/readyz")
    def readyz():
        results, ready = {}, True
        for name, ping in checks.items():
            try:
                ping()
                results[name] = "ok"
            except ServiceUnavailable as exc:
                results[name] = exc.reason
                ready = False
        response = jsonify({"status": "ready" if ready else "unavailable", "checks": results})
        response.status_code = 200 if ready else 503
        return response

    return bp


def _metrics_blueprint(service: str) -> Blueprint:
    bp = Blueprint("metrics", __name__)

    @bp.before_app_request
    def start_timer():
        g.request_started = time.perf_counter()

    @bp.after_app_request
    def count(response):
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, endpoint, request.method, str(response.status_code)).inc()
        if "request_started" in g:
            LATENCY.labels(service, endpoint).observe(time.perf_counter() - g.request_started)
        return response

    @bp.get("/metrics")
    def metrics():
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
        return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    return bp


def service_settings(settings: Settings | None) -> Settings:
    """The settings an app factory runs with: those given (tests, which keep pytest's log capture) or, started as a
    service (gunicorn "..:create_app()"), read from the environment and checked (gunicorn's master checks them too,
    before it listens), with JSON log lines."""
    if settings is not None:
        return settings
    settings = settings_checks.validated(Settings.from_env())
    logs.configure(settings.log_level)
    return settings


def _credentials() -> RequestCredentials:
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme)
    return RequestCredentials(
        method=request.method, authorization=request.headers.get("Authorization"),
        api_key=request.headers.get("X-API-Key"), session_cookie=request.cookies.get(SESSION_COOKIE),
        origin=request.headers.get("Origin"), fetch_site=request.headers.get("Sec-Fetch-Site"),
        own_origin=f"{scheme}://{request.host}",
    )


def _access_blueprint(gate: Gate, settings: Settings) -> Blueprint:
    """Sign-in and sign-out for the page, the check for nginx's auth_request on private media, and (with
    auth_required) the check in front of every other /api route."""
    bp = Blueprint("access", __name__)
    open_routes = {("POST", "/api/session"), ("DELETE", "/api/session")}

    if settings.auth_required:
        @bp.before_app_request
        def require_credentials():
            if not request.path.startswith("/api/") or request.method == "OPTIONS":
                return None  # health, metrics, and CORS preflights (which carry no credentials)
            if (request.method, request.path) in open_routes:
                return None
            g.caller = gate.check(_credentials())
            return None

    @bp.post("/api/session")
    def sign_in():
        body = request.get_json(silent=True)
        name, cookie = gate.sign_in(body.get("key") if isinstance(body, dict) else None)
        response = jsonify({"signedIn": True, "key": name})
        secure = request.headers.get("X-Forwarded-Proto", request.scheme) == "https"
        response.set_cookie(SESSION_COOKIE, cookie, max_age=gate.session_seconds, httponly=True, secure=secure,
                            samesite="Strict", path="/")
        return response

    @bp.delete("/api/session")
    def sign_out():
        response = Response(status=204)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
        return response

    @bp.get("/api/session")
    def whoami():
        caller = g.get("caller")
        return jsonify({"authRequired": settings.auth_required, "key": caller.key_name if caller else None})

    @bp.get("/api/media-access")
    def media_access():
        """204 when the request may read private media (nginx asks this before serving an uploaded original)."""
        return Response(status=204)

    return bp


def init_api(app: Flask, settings: Settings, service: str, checks: dict[str, Callable[[], None]],
             api_keys: KeyStore) -> None:
    """The shared behaviour of a PoseCraft API service."""
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    # One size limit: a multipart text field may be as large as the body (Werkzeug's own default is 500 kB,
    # whose 413 would blame the body size wrongly).
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_upload_bytes
    # An upload is one part and a few fields: a form of thousands of parts is an attack on the parser.
    app.config["MAX_FORM_PARTS"] = MAX_FORM_PARTS
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # Werkzeug would answer "//" in a path with an HTML redirect; a malformed path is an error like any other.
    app.url_map.merge_slashes = False
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(PoseCraftError, _handle_domain_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.register_blueprint(_access_blueprint(Gate(api_keys, settings.session_hours), settings))
    app.register_blueprint(health_blueprint(checks))
    app.register_blueprint(_metrics_blueprint(service))
    spec = openapi_spec(settings)
    app.add_url_rule("/api/openapi.json", "openapi", lambda: jsonify(spec))
    if settings.cors_origins:
        CORS(app, resources={r"/api/*": {"origins": list(settings.cors_origins)}})
