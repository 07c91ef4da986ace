"""`python -m posecraft.devstack up` (what `make up` runs): start the whole stack on 127.0.0.1 and wait for Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from posecraft import settings_checks
from posecraft.config import REPO_ROOT, SettingsError
from posecraft.devstack.configs import WEB_DIST
from posecraft.devstack.probes import port_open
from posecraft.devstack.process import StackError
from posecraft.devstack.stack import APPS, DevStack
from posecraft.devstack.supervisor import Supervisor


def up(nginx_port: int, run_dir: Path) -> int:
    # Refused by name before anything starts, as each process would refuse it; checked as the stack will run them
    # (with the S3 secret it keeps in its data folder when none is set).
    try:
        stack = DevStack.for_development(nginx_port=nginx_port, run_dir=run_dir)
        problems = settings_checks.problems(stack.settings, pose=True)
    except SettingsError as error:
        problems = error.problems
    if problems:
        for problem in problems:
            print(f"posecraft: {problem}", file=sys.stderr)
        return 2
    if port_open(nginx_port):
        print(f"port {nginx_port} is already in use: is PoseCraft already running? "
              f"(choose another with --port)", file=sys.stderr)
        return 1
    # Ctrl-C and SIGTERM both stop the stack, even mid-start. Set explicitly: a shell that starts this in the
    # background hands it SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start_all()
        missing = [name for name in APPS if name not in stack.processes]
        if missing:
            print(f"not started (their code is not there yet): {', '.join(missing)}")
        if not WEB_DIST.joinpath("index.html").exists():
            print("the web page is not built (web/dist): `make up` builds it with npm")
        print(f"PoseCraft is running at {stack.base_url}  (data in {stack.data_dir}, logs in {stack.run_dir})")
        print("Ctrl-C stops everything this command started; a process that exits meanwhile is started again.",
              flush=True)
        Supervisor(stack).run()  # until Ctrl-C or SIGTERM
    except KeyboardInterrupt:
        pass
    except StackError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, signal.SIG_IGN)  # a second Ctrl-C must not leave half the stack running
        print("stopping...", flush=True)
        stack.stop_all()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m posecraft.devstack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="start the whole stack on 127.0.0.1 and wait for Ctrl-C")
    up_parser.add_argument("--port", type=int, default=8080,
                           help="nginx's port (default 8080); the two services take the next two")
    up_parser.add_argument("--run-dir", type=Path, default=REPO_ROOT / ".run",
                           help="where the logs and nginx's files go (default .run/)")
    args = parser.parse_args(argv)
    return up(args.port, args.run_dir)


if __name__ == "__main__":
    sys.exit(main())
