"""gunicorn hooks both API services run with: `gunicorn --config python:posecraft.gunicorn_config ...`.

Under several gunicorn workers, /metrics adds up every worker's counts only when PROMETHEUS_MULTIPROC_DIR names a
folder the workers write their counts into (posecraft.web). Files left there by an earlier run would be added in
as well, so the master empties the folder (creating it if needed) before it starts its first worker. The dev stack
gives each service a folder of its own; the images set one in their Dockerfile.
"""
from __future__ import annotations

import os
from pathlib import Path


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # prometheus_client's files: <type>_<pid>.db
        stale.unlink()
