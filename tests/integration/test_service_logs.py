"""Every line the services and the worker write is JSON: gunicorn's own access and error lines (through
posecraft.http.gunicorn_config), the apps' lines, and LiteRT's start-up line from its C++ runtime.

Each process runs here as it runs in production, from the same command and config module, against the real
backing servers.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def json_lines(*logs: Path) -> list[dict]:
    lines = [line for log in logs for line in log.read_text().splitlines()]
    not_json = []
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            not_json.append(line)
    assert not not_json, f"{len(not_json)} of {len(lines)} lines are not JSON: {not_json[:5]}"
    return parsed


def gunicorn(service: str, env: dict[str, str], port: int, out: Path, err: Path) -> subprocess.Popen:
    # What the image runs (Dockerfile): the config module names the app from POSECRAFT_SERVICE.
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:posecraft.http.gunicorn_config",
         "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=dict(env, POSECRAFT_SERVICE=service, PROMETHEUS_MULTIPROC_DIR=str(out.parent / f"metrics-{service}")),
        stdout=out.open("wb"), stderr=err.open("wb"), start_new_session=True,
    )


def stop(process: subprocess.Popen) -> int:
    try:
        process.send_signal(signal.SIGTERM)
        return process.wait(30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited"
        try:
            requests.get(url, timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its workers still booting
            time.sleep(0.1)
    pytest.fail(f"{url} did not answer within {timeout} s")


@pytest.mark.parametrize("service", ["ingest", "status"])
def test_every_line_gunicorn_and_the_app_write_is_json_with_the_requests_as_fields(backing_services, tmp_path, service):
    port = free_port()
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    process = gunicorn(service, backing_services.env(), port, out, err)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/healthz", process)
        requests.get(f"{base}/readyz", timeout=10)
        requests.get(f"{base}/no/such/page?x=1", timeout=5)
        requests.post(f"{base}/api/process", data="{not json", headers={"Content-Type": "application/json"}, timeout=5)
        requests.get(f"{base}/api/image-status/not-an-id", timeout=5)
    finally:
        code = stop(process)

    assert code == 0
    lines = json_lines(out, err)
    # Two gunicorn workers write their lines as each finishes a request: not always in the order sent.
    access = {line["path"]: line for line in lines if line["logger"] == "gunicorn.access"}
    assert sorted(access) == ["/api/image-status/not-an-id", "/api/process", "/healthz", "/no/such/page", "/readyz"]
    assert access["/healthz"]["status"] == 200 and access["/healthz"]["method"] == "GET"
    assert access["/no/such/page"]["status"] == 404 and access["/no/such/page"]["query"] == "x=1"
    assert access["/api/process"]["method"] == "POST" and access["/api/process"]["status"] in (400, 404)
    assert all(isinstance(line["duration_ms"], int) and line["user_agent"].startswith("python-requests")
               for line in access.values())
    errors = {line["message"] for line in lines if line["logger"] == "gunicorn.error"}
    assert any(message.startswith("Listening at: http://127.0.0.1:") for message in errors)
    assert "Shutting down: Master" in errors


def refused_at_start(service: str, env: dict, tmp_path) -> list[str]:
    """Start gunicorn for the service with bad settings: it exits 2 without ever listening; its error lines."""
    port = free_port()
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    process = gunicorn(service, env, port, out, err)
    try:
        code = process.wait(30)
    finally:
        stop(process)
    assert code == 2
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # it never listened
    return [line["message"] for line in json_lines(out, err) if line["level"] == "error"]


def test_a_bad_setting_stops_gunicorn_before_it_listens_with_a_json_line_naming_it(backing_services, tmp_path):
    env = dict(backing_services.env(), VIEW_FORMAT="png", MAX_UPLOAD_BYTES="-1")
    assert refused_at_start("ingest", env, tmp_path) == [
        "cannot start: MAX_UPLOAD_BYTES=-1: a number of bytes above 0",
        "cannot start: VIEW_FORMAT='png': one of jpeg, webp",
    ]


def test_a_broken_presets_file_stops_the_status_service_before_it_listens_naming_the_preset_and_the_field(
        backing_services, tmp_path):
    # The status service lists the presets for the page (GET /api/presets): it reads PRESETS_FILE too.
    presets = tmp_path / "presets.json"
    presets.write_text('{"lookbook": {"aspect": "4x5"}}')
    env = dict(backing_services.env(), PRESETS_FILE=str(presets))
    assert refused_at_start("status", env, tmp_path) == [
        f"cannot start: PRESETS_FILE={str(presets)!r}: preset 'lookbook', field 'aspect': "
        "aspect ratio '4x5' is not WIDTH:HEIGHT in whole numbers, e.g. 3:4"
    ]


def test_every_line_the_worker_writes_is_json_litert_start_up_line_included(backing_services, tmp_path):
    env = dict(backing_services.env(), QUEUE_NAME=f"logs.{uuid.uuid4().hex[:8]}")
    log = tmp_path / "worker.log"
    worker = subprocess.Popen([sys.executable, "-m", "pose_worker"], env=env, stdout=log.open("wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while "worker started" not in log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
    finally:
        code = stop(worker)

    assert code == 0
    lines = json_lines(log)
    litert = [line for line in lines if "XNNPACK" in line["message"]]
    assert litert == [{"time": litert[0]["time"], "level": "info", "logger": "posecraft.pose.runtimes",
                       "message": "Created TensorFlow Lite XNNPACK delegate for CPU."}]
    assert [line["message"] for line in lines][-1] == "worker stopped"
