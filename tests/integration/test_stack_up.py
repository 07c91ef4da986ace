"""`python -m posecraft.devstack up` (what `make up` runs): prints its URL, serves there, and Ctrl-C stops it all."""
from __future__ import annotations

import dataclasses
import os
import queue
import signal
import subprocess
import sys
import threading

import requests

from posecraft.devstack import Ports
from posecraft.devstack.configs import settings_env
from posecraft.devstack.probes import port_open


def test_up_prints_its_url_serves_the_api_there_and_ctrl_c_stops_every_process_it_started(settings, tmp_path):
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

        up.send_signal(signal.SIGINT)
        assert up.wait(timeout=60) == 0
    finally:
        if up.poll() is None:
            up.terminate()  # its SIGTERM also stops what it started
            up.wait(timeout=60)
    assert not any(port_open(p) for p in (port, port + 1, port + 2))
    assert "redis" not in os.listdir(tmp_path), "it started its own Redis although REDIS_URL named one"
