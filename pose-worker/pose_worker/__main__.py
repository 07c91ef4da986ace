"""`python -m pose_worker [--processes N]`: check the settings, load the pose models, then consume jobs until
SIGTERM or Ctrl-C.

With --processes N, this process only supervises N single worker processes (one per core: the pose engine is
single-threaded per process): it passes SIGTERM on and starts again any that die while it runs. A worker that cannot
start (a bad setting, a missing runtime, model files that do not load) would fail the same way every time: the
supervisor then stops the others and exits with the same status, CANNOT_START, the reason logged by the worker.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import time

from prometheus_client import start_http_server

from pose_worker.worker import Worker
from posecraft import logs
from posecraft.config import Settings
from posecraft.pose.engine import get_engine
from posecraft.settings_checks import environment_problems
from posecraft.webhooks import Deliverer

log = logging.getLogger("pose_worker")

# Exit code of a worker that cannot start (bad settings, missing models): starting it again would not help.
CANNOT_START = 2


def checked_settings() -> Settings | None:
    """This environment's settings, with what the pose engine needs; None once every problem is logged."""
    problems = environment_problems(pose=True)
    for problem in problems:
        log.error("cannot start: %s", problem)
    return None if problems else Settings.from_env()


def run_worker() -> int:
    settings = checked_settings()
    if settings is None:
        return CANNOT_START
    try:
        # Loaded once, before the first job: models that do not load stop the worker here, not every job.
        get_engine(settings)
    except Exception as error:
        log.exception("cannot start: the pose models in %s did not load: %s", settings.models_dir, error)
        return CANNOT_START
    worker = Worker.from_settings(settings)
    # Webhooks go out from a thread of their own: a slow receiver never holds up a job.
    deliverer = Deliverer(settings, worker.repository.webhooks).start() if settings.webhook_secret else None
    if settings.worker_metrics_port:
        start_http_server(settings.worker_metrics_port)

    def stop(signum, _frame):
        log.info("%s: finishing the current job, then stopping", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
    if deliverer is not None:
        deliverer.stop()
    return 0


def supervise(count: int) -> int:
    settings = checked_settings()  # once here: N workers would each refuse them N times over
    if settings is None:
        return CANNOT_START
    stopping: list[int] = []
    cannot_start = []

    def stop(signum, _frame):
        # Only noted here; the loop below signals the children. Signalling them from the handler missed a child
        # whose Popen was still running when the signal came (not yet in `children`): it was never told to stop,
        # and waiting for it hung the supervisor.
        stopping.append(signum)

    metrics_port = settings.worker_metrics_port

    def spawn(index: int) -> subprocess.Popen:
        env = dict(os.environ)
        if metrics_port:
            env["WORKER_METRICS_PORT"] = str(metrics_port + index)
        return subprocess.Popen([sys.executable, "-m", "pose_worker"], env=env)

    # Before the first child: a SIGTERM during start-up must not kill the supervisor and orphan its children.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = [spawn(i) for i in range(count)]
    while not stopping:
        for i, child in enumerate(children):
            code = child.poll()
            if code is None or stopping:
                continue
            if code == CANNOT_START:
                log.error("worker process %d cannot start (its reason is logged above); stopping the others",
                          child.pid)
                cannot_start.append(child.pid)
                stopping.append(signal.SIGTERM)
                break
            log.error("worker process %d exited with code %s; starting another", child.pid, code)
            children[i] = spawn(i)
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    codes = [child.wait() for child in children]
    return CANNOT_START if cannot_start or CANNOT_START in codes else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose_worker", description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1, help="worker processes to run (default 1)")
    args = parser.parse_args(argv)
    # From the variable itself: the settings are checked next, and their problems are logged as JSON too.
    logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    return run_worker() if args.processes == 1 else supervise(args.processes)


if __name__ == "__main__":
    sys.exit(main())
