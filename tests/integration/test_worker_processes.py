"""`python -m pose_worker --processes N`: N worker processes under one supervisor, which replaces one that dies
and passes SIGTERM on."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path


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
