"""`python -m pose_worker --processes N`: N worker processes under one supervisor, which replaces one that dies
and passes SIGTERM on, and stops, with the reason, when a worker cannot start."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from pose_worker.__main__ import CANNOT_START
from posecraft.pose.models import ALL_MODELS


def children_of(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_worker_process_that_dies_is_replaced_and_sigterm_stops_them_all(backing_services, tmp_path):
    env = backing_services.env()
    env["QUEUE_NAME"] = f"processes.{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"
    supervisor = subprocess.Popen([sys.executable, "-m", "pose_worker", "--processes", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True)
    try:
        wait_for(lambda: len(children_of(supervisor.pid)) == 2)
        first = children_of(supervisor.pid)
        victim = min(first)

        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(children_of(supervisor.pid)) == 2 and victim not in children_of(supervisor.pid))
        survivors = children_of(supervisor.pid)

        supervisor.send_signal(signal.SIGTERM)
        code = supervisor.wait(30)
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()

    assert code == 0, log.read_text()[-2000:]
    assert len(survivors & first) == 1
    assert not any(Path(f"/proc/{pid}").exists() for pid in survivors)  # waited for and reaped by the supervisor


def run_supervisor(env: dict[str, str], log: Path, timeout: float = 30) -> int:
    supervisor = subprocess.Popen([sys.executable, "-m", "pose_worker", "--processes", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True)
    try:
        return supervisor.wait(timeout)
    finally:
        if supervisor.poll() is None:  # still restarting its workers: the failure this guards against
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()


def logged(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]  # every line is JSON, or this fails


def test_a_bad_setting_stops_the_supervisor_before_any_worker_starts(tmp_path):
    env = dict(os.environ, S3_SECRET_KEY="a-test-secret", POSE_MODEL="huge")  # only the model is wrong
    log = tmp_path / "workers.log"

    assert run_supervisor(env, log) == CANNOT_START

    messages = [line["message"] for line in logged(log)]
    assert messages == ["cannot start: POSE_MODEL='huge': one of full, lite, heavy"]


def test_model_files_that_do_not_load_stop_the_supervisor_instead_of_restarting_its_workers(tmp_path):
    for model in ALL_MODELS:  # present, so the settings pass, but not models: every worker fails as it loads them
        (tmp_path / model.name).write_bytes(b"not a flatbuffer")
    env = dict(os.environ, S3_SECRET_KEY="a-test-secret", MODELS_DIR=str(tmp_path))
    log = tmp_path / "workers.log"
    started = time.monotonic()

    assert run_supervisor(env, log) == CANNOT_START

    assert time.monotonic() - started < 20
    lines = logged(log)
    failed = [line for line in lines if line["message"].startswith("cannot start: the pose models")]
    assert 1 <= len(failed) <= 2  # each of the 2 workers at most once: none was started again
    assert "not a valid Flatbuffer" in failed[0]["message"] and failed[0]["traceback"]
    assert any("cannot start (its reason is logged above); stopping the others" in line["message"] for line in lines)
