"""docker-compose.yml: valid for Debian's docker-compose (no engine runs here, so the file is checked, not run)."""
from __future__ import annotations

import shutil
import subprocess

from posecraft.config import REPO_ROOT

COMPOSE = [shutil.which("docker-compose") or "docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml")]


def _compose(*args: str) -> str:
    done = subprocess.run([*COMPOSE, *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_compose_file_is_valid_and_every_build_context_exists():
    _compose("config", "-q")


def test_it_runs_mongodb_redis_s3_both_services_the_worker_and_nginx():
    services = set(_compose("config", "--services").split())

    assert services == {"mongo", "redis", "s3", "ingest", "status", "worker", "nginx"}


def test_one_upload_limit_from_the_env_file_reaches_nginx_and_every_service(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("MAX_UPLOAD_BYTES=1234567\nPUBLIC_URL=https://posecraft.example.com\n")

    rendered = _compose("--env-file", str(env_file), "config")

    assert rendered.count("MAX_UPLOAD_BYTES: '1234567'") == 4  # ingest, status, worker and nginx
    assert "MAX_UPLOAD_BYTES: '26214400'" not in rendered
    assert rendered.count("S3_PUBLIC_URL: https://posecraft.example.com/media") == 3
