"""`python -m pose_worker`: load the pose models, then consume jobs until SIGTERM or Ctrl-C."""
from __future__ import annotations

import logging
import os
import signal
import sys

from posecraft.config import Settings
from posecraft.errors import ModelsMissing
from posecraft.pose.engine import get_engine
from pose_worker import logs
from pose_worker.worker import Worker

log = logging.getLogger("pose_worker")


def main() -> int:
    logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
    settings = Settings.from_env()
    try:
        # Loaded once, before the first job: missing models stop the worker here, not every job.
        get_engine(settings)
    except ModelsMissing as error:
        log.error("cannot start: %s", error.reason)
        return 2
    worker = Worker.from_settings(settings)

    def stop(signum, _frame):
        log.info("%s: finishing the current job, then stopping", signal.Signals(signum).name)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    worker.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
