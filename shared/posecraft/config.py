"""The one configuration loader: every setting, its default and its environment variable, in one place.

Each field of `Settings` is read from the environment variable of the same name in upper case
(`max_upload_bytes` <- `MAX_UPLOAD_BYTES`). Services build theirs with `Settings.from_env()` and tests
with `Settings.from_env(**overrides)`.

What each plain setting accepts is here too (`RULES`); `posecraft.settings_checks` adds the rules that read the
pose models, the view recipes and the presets, and checks them all. This module imports nothing of PoseCraft's, so
every other module may import it.
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
# What VIEW_FORMAT may name (posecraft.views.render encodes them); a transparent view is always a PNG.
VIEW_FORMATS = ("jpeg", "webp")


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())


class SettingsError(ValueError):
    """Settings a process cannot start with; `problems` has one line per variable: its value and what it accepts."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid settings: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    # --- where the backing services are -------------------------------------------------------
    mongo_url: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "posecraft"
    redis_url: str = "redis://127.0.0.1:6379/0"
    s3_endpoint_url: str = "http://127.0.0.1:8333"
    # The address browsers use for view and upload URLs (nginx proxies /media/ to S3); defaults to the endpoint.
    s3_public_url: str = ""
    s3_bucket: str = "posecraft"
    s3_access_key: str = "posecraft"
    # No default: a documented secret opens the bucket to anyone who read the docs. `make up` makes one at first
    # start (posecraft.devstack: <data_dir>/s3-secret); compose and deployments must set it.
    s3_secret_key: str = ""
    s3_region: str = "us-east-1"

    # --- queue ----------------------------------------------------------------------------------
    queue_name: str = "posecraft.images"
    # A dead worker's unacked message is redelivered after this many seconds (a live worker's heartbeat keeps its
    # message from coming back, however long the job).
    queue_visibility_timeout: int = 30
    # A job that fails transiently (timeout, 5xx, a store down) is tried this many times in all,
    # waiting job_retry_delay, then twice that, ... between tries; then it is failed with the last reason.
    job_max_attempts: int = 5
    job_retry_delay: float = 2.0
    # Where the worker serves Prometheus metrics (0: not served); worker process i of N uses this port + i.
    worker_metrics_port: int = 0

    # --- input limits ---------------------------------------------------------------------------
    max_upload_bytes: int = 25 * 1024 * 1024
    max_image_pixels: int = 50_000_000
    max_batch_urls: int = 100
    max_url_length: int = 2048
    max_status_ids: int = 200

    # --- fetching user URLs ---------------------------------------------------------------------
    fetch_connect_timeout: float = 5.0
    fetch_read_timeout: float = 15.0
    fetch_max_redirects: int = 3
    # The whole download, however slowly the bytes trickle in.
    fetch_total_timeout: float = 60.0
    # Hosts exempt from the private-address refusal (the test suite's local origin); empty in production.
    fetch_allowed_hosts: tuple[str, ...] = ()
    # Ports other than 80/443 that user URLs may name.
    fetch_allowed_ports: tuple[str, ...] = ()

    # --- HTTP -----------------------------------------------------------------------------------
    cors_origins: tuple[str, ...] = ()
    # Every /api route but health and sign-in needs an API key or a signed-in session (docs/OPERATING.md, "Access").
    # Off for `make up`, which serves 127.0.0.1 only; on in .env.example, compose and the Kubernetes manifests.
    auth_required: bool = False
    # Hours a signed-in session on the page lasts.
    session_hours: float = 12.0
    # nginx's limits per client address (nginx/posecraft.conf.template): requests at once, submissions
    # (POST /api/process, /api/process-batch) and other API requests a minute, each rate also allowed at once as
    # a burst; and the seconds a client may stay silent while sending its request or reading the answer.
    client_connections: int = 100
    client_submits_per_minute: int = 600
    client_requests_per_minute: int = 3000
    client_timeout: int = 10

    # --- the catalogue: live events and webhooks ---------------------------------------------------
    # A comment line on every open event stream this often, so proxies do not close an idle one.
    event_keepalive_seconds: float = 15.0
    # Event streams one status-service process holds; one more is answered 503 (the page then polls).
    max_event_streams: int = 500
    # Key of the webhooks' X-PoseCraft-Signature (HMAC-SHA256); empty: webhooks are off and a callbackUrl is refused.
    webhook_secret: str = ""
    # A delivery not answered with a 2xx is tried again after this delay, then twice that, ...:
    # 5 tries 40, 80, 160 and 320 s apart span 10 minutes.
    webhook_max_attempts: int = 5
    webhook_retry_delay: float = 40.0
    # Connect and read timeout of one delivery.
    webhook_timeout: float = 10.0

    # --- logging (JSON lines from the services and the worker) ------------------------------------
    log_level: str = "INFO"

    # --- pose engine and views ------------------------------------------------------------------
    models_dir: str = str(REPO_ROOT / "models")
    pose_model: str = "full"  # lite | full | heavy
    pose_runtime: str = "litert"  # litert | tensorflow
    # Interpreter threads. 1: the pipeline decodes on a second thread while the pose runs, and the worker runs one
    # process per core. On 2 cores, 2 threads gave the same time per photo with 6% more CPU, and were much slower
    # when the machine was busy (docs/POSE.md).
    pose_threads: int = 1
    view_format: str = "jpeg"  # jpeg | webp
    view_quality: int = 90
    # View aspect ratios other than the defaults, e.g. "zoom=4:5,length=2:3" (docs/VIEWS.md).
    view_aspects: tuple[str, ...] = ()
    # Also the person cut out on transparency (a PNG, the on-white view's box), when a submission does not say.
    view_cutout: bool = False
    # The output preset when a submission names none: default | amazon | zalando | shopify | one of PRESETS_FILE's.
    default_preset: str = "default"
    # A JSON file of a team's own presets (docs/VIEWS.md), read and checked at start; empty: the built-in ones only.
    presets_file: str = ""

    # --- the dev stack (make up / make test) ----------------------------------------------------
    data_dir: str = str(REPO_ROOT / ".data")

    @property
    def media_base_url(self) -> str:
        return (self.s3_public_url or self.s3_endpoint_url).rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """The settings of `environ` (default: this process's environment) with `overrides` applied; a value that
        does not parse as its type raises SettingsError naming every such variable."""
        values, problems = _read(cls, os.environ if environ is None else environ, overrides)
        if problems:
            raise SettingsError(problems)
        return cls(**values)


def parse_environment(environ: Mapping[str, str] | None = None) -> tuple[Settings, list[str]]:
    """The settings of `environ` (default: this process's environment) and what did not parse, naming each
    variable; a variable that does not parse keeps its default."""
    values, problems = _read(Settings, os.environ if environ is None else environ, {})
    return Settings(**values), problems


def _read(cls, environ: Mapping[str, str], overrides: dict) -> tuple[dict, list[str]]:
    values, problems = {}, []
    overrides = dict(overrides)
    for f in dataclasses.fields(cls):
        if f.name in overrides:
            values[f.name] = overrides.pop(f.name)
            continue
        raw = environ.get(f.name.upper())
        if raw is None:
            continue
        try:
            values[f.name] = _parse(f, raw)
        except ValueError as error:
            accepted = RULES[f.name][1] if f.name in RULES else ""
            problems.append(f"{f.name.upper()}={raw!r}: {accepted or error}")
    if overrides:
        raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
    return values, problems


def _parse(f: dataclasses.Field, raw: str):
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind.startswith("tuple"):
            return _split(raw)
    except ValueError:
        raise ValueError("a whole number" if kind == "int" else "a number") from None
    return raw


# --- what each setting accepts ----------------------------------------------------------------------------------
# A rule returns None when the value is fine, else the reason ("" for: the value is not what the rule accepts).

def shown(value) -> str:
    return repr(",".join(value)) if isinstance(value, tuple) else repr(value)


def when(accepted: Callable[[Any], bool]) -> Callable[[Any], str | None]:
    return lambda value: None if accepted(value) else ""


def _url(schemes: set[str]) -> Callable[[Any], str | None]:
    def check(value: str) -> str | None:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError as error:
            return f"not a URL ({error})"
        return None if parts.scheme in schemes and parts.hostname else ""
    return check


def _origin(value: str) -> bool:
    if value == "*":
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and parts.path in {"", "/"}


def _port(value: str | int) -> bool:
    return str(value).isdigit() and 1 <= int(value) <= 65535


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_HTTP = _url({"http", "https"})

# Each setting's rule and what it accepts; the rules that need the domain's modules (the pose models and runtimes,
# the view recipes and presets) are added by posecraft.settings_checks, which those modules do not import.
RULES: dict[str, tuple[Callable[[Any], str | None], str]] = {
    "mongo_url": (_url({"mongodb", "mongodb+srv"}), "a mongodb:// or mongodb+srv:// URL naming a host"),
    "mongo_db": (when(lambda v: bool(v) and not set(v) & set('/\\. "$')),
                 "a database name without spaces or any of / \\ . \" $"),
    "redis_url": (_url({"redis", "rediss"}), "a redis:// or rediss:// URL naming a host"),
    "s3_endpoint_url": (_HTTP, "an http:// or https:// URL naming a host"),
    "s3_public_url": (lambda v: None if v == "" else _HTTP(v), "empty, or an http:// or https:// URL naming a host"),
    "s3_bucket": (when(lambda v: bool(_BUCKET.fullmatch(v))),
                  "an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens"),
    "s3_access_key": (when(bool), "a non-empty key"),
    "s3_secret_key": (when(bool), "required: the S3 endpoint's secret (a long random string; `make up` makes one)"),
    "s3_region": (when(bool), "a region name, e.g. us-east-1"),
    "queue_name": (when(bool), "a non-empty queue name"),
    "queue_visibility_timeout": (when(lambda v: v > 0), "seconds, above 0"),
    "job_max_attempts": (when(lambda v: v >= 1), "a whole number of tries, 1 or more"),
    "job_retry_delay": (when(lambda v: v >= 0), "seconds, 0 or more"),
    "worker_metrics_port": (when(lambda v: v == 0 or _port(v)), "a port from 1 to 65535, or 0 for none"),
    "max_upload_bytes": (when(lambda v: v > 0), "a number of bytes above 0"),
    "max_image_pixels": (when(lambda v: v > 0), "a number of pixels above 0"),
    "max_batch_urls": (when(lambda v: v > 0), "a number of URLs above 0"),
    "max_url_length": (when(lambda v: v > 0), "a number of characters above 0"),
    "max_status_ids": (when(lambda v: v > 0), "a number of ids above 0"),
    "fetch_connect_timeout": (when(lambda v: v > 0), "seconds, above 0"),
    "fetch_read_timeout": (when(lambda v: v > 0), "seconds, above 0"),
    "fetch_max_redirects": (when(lambda v: v >= 0), "a number of redirects, 0 or more"),
    "fetch_total_timeout": (when(lambda v: v > 0), "seconds, above 0"),
    "fetch_allowed_ports": (when(lambda v: all(_port(p) for p in v)), "comma-separated ports from 1 to 65535"),
    "cors_origins": (when(lambda v: all(_origin(o) for o in v)),
                     "comma-separated origins like https://shop.example.com or http://localhost:5173 (no path), or *"),
    "session_hours": (when(lambda v: v > 0), "hours, above 0"),
    "log_level": (when(lambda v: v.upper() in _LOG_LEVELS), f"one of {', '.join(_LOG_LEVELS)}"),
    "pose_threads": (when(lambda v: v >= 1), "a number of threads, 1 or more"),
    "view_quality": (when(lambda v: 1 <= v <= 100), "a whole number from 1 to 100"),
}
