"""gunicorn settings both API services run with: `gunicorn --config python:posecraft.gunicorn_config ...`.

Under several gunicorn workers, /metrics adds up every worker's counts only when PROMETHEUS_MULTIPROC_DIR names a
folder the workers write their counts into (posecraft.web). Files left there by an earlier run would be added in
as well, so the master empties the folder (creating it if needed) before it starts its first worker. The dev stack
gives each service a folder of its own; the images set one in their Dockerfile.

The services are reached through nginx only, which refuses over-long request lines and header lines, and too much
header, with a JSON error (nginx/posecraft.conf.template: large_client_header_buffers 4 8k). gunicorn's own limits
sit above anything nginx passes on, so its HTML error pages are never what a client gets: no limit on the request
line (nginx's is 8 KB), header lines up to 32 KB (nginx's 8 KB, plus what it appends to X-Forwarded-For) and
gunicorn's maximum count of header lines (32768; nginx's 32 KB of headers hold fewer).
"""
from __future__ import annotations

import os
from pathlib import Path

limit_request_line = 0
limit_request_field_size = 32768
limit_request_fields = 32768


def on_starting(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # prometheus_client's files: <type>_<pid>.db
        stale.unlink()
