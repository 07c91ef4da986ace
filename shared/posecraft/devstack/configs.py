"""How each server of the stack is started: its command line and the files it reads (nginx.conf, SeaweedFS's
s3.json), and the environment every PoseCraft process gets. Plain functions of Settings, ports and folders."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import resource
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from posecraft.config import REPO_ROOT, Settings
from posecraft.devstack.ports import Ports
from posecraft.devstack.process import StackError

NGINX_DIR = REPO_ROOT / "nginx"
WEB_DIST = REPO_ROOT / "web" / "dist"
BIN_DIR = Path(sys.executable).parent


# --- the environment every process gets ----------------------------------------------------------------------


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that make `Settings.from_env()` rebuild `settings` exactly."""
    env = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        env[f.name.upper()] = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return env


# --- backing servers -----------------------------------------------------------------------------------------


def redis_argv(port: int, folder: Path) -> list[str]:
    # appendonly: a restart or a kill -9 keeps the queued jobs (Redis writes each command to the file before it
    # replies; its once-a-second fsync matters only if the machine itself goes down).
    return [binary("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
            "--appendonly", "yes", "--dir", str(folder)]


def secantus_argv(port: int, folder: Path) -> list[str]:
    return [str(BIN_DIR / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(folder)]


def weed_argv(ports: Ports, folder: Path, s3_config: Path) -> list[str]:
    argv = [str(BIN_DIR / "weed"), "mini", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-s3.port={ports.s3}", f"-s3.config={s3_config}"]
    return argv + [f"-{flag}={value}" for flag, value in ports.seaweed.items()]


def write_s3_config(path: Path, settings: Settings) -> None:
    path.write_text(json.dumps(seaweed_identities(settings), indent=2))
    path.chmod(0o600)  # it holds the secret key


def seaweed_identities(settings: Settings) -> dict:
    """SeaweedFS's s3.json: the services' key may do everything; anonymous requests may do nothing but what the
    bucket policy allows (Storage.ensure_bucket: GET of an object, never a listing or a write)."""
    return {"identities": [
        {"name": "posecraft",
         "credentials": [{"accessKey": settings.s3_access_key, "secretKey": settings.s3_secret_key}],
         "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
        {"name": "anonymous", "actions": []},
    ]}


# --- the two services and nginx ------------------------------------------------------------------------------


def gunicorn_argv(app: str, port: int, workers: int, metrics_dir: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """gunicorn as the images run it (every setting in posecraft.http.gunicorn_config); only the address, the worker
    count and each service's own metrics folder (emptied as gunicorn starts) differ."""
    return [sys.executable, "-m", "gunicorn", "--config", "python:posecraft.http.gunicorn_config",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--env", f"PROMETHEUS_MULTIPROC_DIR={metrics_dir}", *extra, app]


def nginx_values(settings: Settings, ports: Ports) -> dict[str, str]:
    """The values of nginx/posecraft.conf.template (the docker image gets the same names from compose)."""
    s3 = re.sub(r"^https?://", "", settings.s3_endpoint_url).rstrip("/")
    return {
        "LISTEN": f"127.0.0.1:{ports.nginx}",
        "WEB_ROOT": str(WEB_DIST),
        "INGEST_UPSTREAM": f"127.0.0.1:{ports.ingest}",
        "STATUS_UPSTREAM": f"127.0.0.1:{ports.status}",
        "S3_UPSTREAM": s3,
        "S3_BUCKET": settings.s3_bucket,
        "MAX_UPLOAD_BYTES": str(settings.max_upload_bytes),
        "CLIENT_CONNECTIONS": str(settings.client_connections),
        "CLIENT_SUBMITS_PER_MINUTE": str(settings.client_submits_per_minute),
        "CLIENT_REQUESTS_PER_MINUTE": str(settings.client_requests_per_minute),
        "CLIENT_TIMEOUT": str(settings.client_timeout),
    }


def write_nginx_config(folder: Path, error_log: Path, values: Mapping[str, str]) -> Path:
    """nginx.conf and posecraft.conf in `folder`, which also gets every file nginx writes; returns nginx.conf."""
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)  # worker processes read and write their temp files here
    (folder / "posecraft.conf").write_text(render_template((NGINX_DIR / "posecraft.conf.template").read_text(), values))
    main = folder / "nginx.conf"
    connections = nginx_worker_connections()
    main.write_text(render_template(
        (NGINX_DIR / "nginx.dev.conf.template").read_text(),
        {"RUN_DIR": str(folder), "ERROR_LOG": str(error_log), "USER_DIRECTIVE": _nginx_user_directive(),
         "WORKER_CONNECTIONS": str(connections), "WORKER_RLIMIT_NOFILE": str(connections + 256)}))
    return main


def nginx_worker_connections() -> int:
    """Connections of each nginx worker: 16384 (a few MB of nginx's memory per worker), fewer if this process's
    open-files limit is lower. nginx raises its own limit to that many files and 256 more (logs, buffered bodies)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 16384 if hard == resource.RLIM_INFINITY else min(16384, hard - 256)


def nginx_argv(folder: Path, config: Path, error_log: Path) -> list[str]:
    return [binary("nginx"), "-p", str(folder), "-c", str(config), "-e", str(error_log), "-g", "daemon off;"]


def render_template(text: str, values: Mapping[str, str]) -> str:
    """Replace `${NAME}` for the names given and leave everything else alone, as the nginx image's envsubst does
    (so nginx's own `$host`, `$uri` survive)."""
    return re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _nginx_user_directive() -> str:
    # Under root nginx's workers would run as `nobody`, who cannot enter a checkout under a private folder
    # (a CI clone in `mktemp -d`); this stack only listens on 127.0.0.1, so they keep the caller's user.
    return "user root;" if os.geteuid() == 0 else ""


def binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/sbin")
    if path is None:
        raise StackError(f"{name} is not installed; run `make install` (it installs it with apt-get)")
    return path
