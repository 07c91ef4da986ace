"""The one configuration loader: every setting, its default and its environment variable, in one place.

Each field of `Settings` is read from the environment variable of the same name in upper case
(`max_upload_bytes` <- `MAX_UPLOAD_BYTES`). Services build theirs with `Settings.from_env()` and tests
with `Settings.from_env(**overrides)`.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())


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
    s3_secret_key: str = "posecraft-secret"
    s3_region: str = "us-east-1"

    # --- queue ----------------------------------------------------------------------------------
    queue_name: str = "posecraft.images"
    # Above the longest job: an unacked message is redelivered only after this many seconds.
    queue_visibility_timeout: int = 300
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

    # --- the dev stack (make up / make test) ----------------------------------------------------
    data_dir: str = str(REPO_ROOT / ".data")

    @property
    def media_base_url(self) -> str:
        return (self.s3_public_url or self.s3_endpoint_url).rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in overrides:
                values[f.name] = overrides.pop(f.name)
                continue
            raw = environ.get(f.name.upper())
            if raw is None:
                continue
            values[f.name] = _parse(f, raw)
        if overrides:
            raise TypeError(f"unknown settings: {', '.join(sorted(overrides))}")
        return cls(**values)


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
        raise ValueError(f"setting {f.name.upper()}={raw!r} is not a valid {kind}") from None
    return raw
