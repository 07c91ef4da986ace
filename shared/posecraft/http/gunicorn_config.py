"""Every gunicorn setting of both API services, in one place: `gunicorn --config python:posecraft.http.gunicorn_config`.

The app is named by POSECRAFT_SERVICE (`ingest` or `status`; the image sets it from its build argument) or, as
usual, on the command line. What differs between machines stays outside: the address (`--bind`, default
0.0.0.0:8000, the containers' port) and the worker count (`--workers`, default 2), on the command line or in
GUNICORN_CMD_ARGS, gunicorn's own variable.

- Logs: gunicorn's access and error lines go through posecraft.logs as JSON, like the apps' own (LOG_LEVEL).
- Settings: the master checks them before it binds or starts a worker; a bad one stops it with exit status 2
  and one JSON line per problem, naming the variable and what it accepts.
- Metrics: under several workers, /metrics adds up every worker's counts only when PROMETHEUS_MULTIPROC_DIR names
  a folder the workers write their counts into (posecraft.http.web). Files left there by an earlier run would be
  added in as well, so the master empties the folder (creating it if needed) before it starts its first worker.
  The dev stack gives each service a folder of its own; the image sets one.

- Limits: the services are reached through nginx only, which refuses over-long request lines and header lines,
  and too much header, with a JSON error (nginx/posecraft.conf.template: large_client_header_buffers 4 8k).
  gunicorn's own limits sit above anything nginx passes on, so its HTML error pages are never what a client gets:
  no limit on the request line (nginx's is 8 KB), header lines up to 32 KB (nginx's 8 KB, plus what it appends to
  X-Forwarded-For) and gunicorn's maximum count of header lines (32768; nginx's 32 KB of headers hold fewer).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from posecraft import logs
from posecraft.settings_checks import environment_problems

APPS = {"ingest": "ingest_service:create_app()", "status": "status_service:create_app()"}
# Exit status of a master whose settings are refused: starting it again would not help.
CANNOT_START = 2

wsgi_app = APPS.get(os.environ.get("POSECRAFT_SERVICE", ""))
bind = ["0.0.0.0:8000"]
workers = 2
# Threads per worker: a request mostly waits on MongoDB, S3 or Redis.
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 10
# Its default control socket is one per user: two services (or two stacks) on one machine would share it.
control_socket_disable = True
access_log_format = "%(m)s %(U)s %(s)s"  # the message; AccessFormatter adds every field on its own
# An unknown LOG_LEVEL is logged at INFO until on_starting refuses it, in JSON.
logconfig_dict = logs.dict_config(os.environ.get("LOG_LEVEL", "INFO"))
loglevel = logconfig_dict["root"]["level"].lower()
# Above nginx's limits (see the module's docstring).
limit_request_line = 0
limit_request_field_size = 32768
limit_request_fields = 32768


def on_starting(server) -> None:
    # The API services never load the pose engine: its runtime and model files are the worker's to check.
    problems = environment_problems(pose=False)
    if problems:
        for problem in problems:
            server.log.error("cannot start: %s", problem)
        sys.exit(CANNOT_START)
    _empty_metrics_folder()


def _empty_metrics_folder() -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # prometheus_client's files: <type>_<pid>.db
        stale.unlink()
