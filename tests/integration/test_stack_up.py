"""`python -m posecraft.devstack up` (what `make up` runs): prints its URL, serves there, starts again a process that
dies, and Ctrl-C stops it all."""
from __future__ import annotations

import dataclasses
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

from posecraft.devstack import Ports
from posecraft.devstack.configs import settings_env
from posecraft.devstack.probes import port_open


def child_running(parent: int, module: bytes) -> int | None:
    """The PID of the child of `parent` whose command line names `module`."""
    for task in Path(f"/proc/{parent}/task").iterdir():
        for pid in (task / "children").read_text().split():
            if module in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return int(pid)
    return None


def test_up_prints_its_url_serves_there_starts_a_killed_worker_again_and_ctrl_c_stops_every_process_it_started(
        settings, tmp_path):
    port = Ports.free().nginx
    # Real servers named in the environment: `up` starts none of its own (and its worker gets its own queue).
    own = dataclasses.replace(settings, mongo_db="devstack_up", queue_name="devstack.up", data_dir=str(tmp_path))
    command = [sys.executable, "-m", "posecraft.devstack", "up", "--port", str(port), "--run-dir", str(tmp_path / "run")]
    # Started as a shell starts a background job (`make up &`): with SIGINT ignored, which it must undo.
    up = subprocess.Popen(command, env={**os.environ, **settings_env(own)}, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in up.stdout], daemon=True).start()
    try:
        printed = []
        while f"http://127.0.0.1:{port}" not in "".join(printed):
            printed.append(lines.get(timeout=90))

        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200

        worker = child_running(up.pid, b"pose_worker")
        assert worker is not None
        os.kill(worker, signal.SIGKILL)
        while "worker is running again" not in "".join(printed):
            printed.append(lines.get(timeout=30))
        assert child_running(up.pid, b"pose_worker") not in (None, worker)

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0
    finally:
        if up.poll() is None:
            up.terminate()  # its SIGTERM also stops what it started
            up.wait(timeout=60)
    assert not any(port_open(p) for p in (port, port + 1, port + 2))
    assert "redis" not in os.listdir(tmp_path), "it started its own Redis although REDIS_URL named one"


def test_up_refuses_a_broken_presets_file_and_a_default_preset_no_preset_has_by_name_before_it_starts_anything(
        tmp_path):
    presets = tmp_path / "presets.json"
    presets.write_text('{"lookbook": {"min_fill": 85}}')
    port = Ports.free().nginx
    command = [sys.executable, "-m", "posecraft.devstack", "up", "--port", str(port), "--run-dir", str(tmp_path / "run")]
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "PRESETS_FILE": str(presets)}

    broken = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    presets.write_text('{"lookbook": {"min_fill": 0.85}}')
    unknown = subprocess.run(command, env={**env, "DEFAULT_PRESET": "look-book"}, capture_output=True, text=True,
                             timeout=60)

    assert (broken.returncode, broken.stdout) == (2, "")
    assert broken.stderr == (f"posecraft: PRESETS_FILE={str(presets)!r}: preset 'lookbook', field 'min_fill': "
                             "must be a fraction above 0 and at most 1 (0.85 for 85 %), got 85\n")
    assert (unknown.returncode, unknown.stdout) == (2, "")
    assert unknown.stderr == ("posecraft: DEFAULT_PRESET='look-book': one of default, amazon, zalando, shopify, "
                              "lookbook (the built-in presets and those of PRESETS_FILE)\n")
    assert not port_open(port) and not (tmp_path / "data" / "redis").exists()
