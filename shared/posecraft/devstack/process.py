"""One managed process: started in its own process group, waited for until its readiness probe answers, stopped with
its stop signal, killed -9 with whatever it forked."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from posecraft.config import REPO_ROOT


class StackError(RuntimeError):
    """A process of the stack could not be started or did not become ready (the message says which and why)."""


@dataclass
class ManagedProcess:
    """A child process with a readiness check, stopped and killed by its PID (its own process group)."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path
    ready: Callable[[], bool]
    cwd: Path = REPO_ROOT
    stop_signal: int = signal.SIGTERM
    ready_timeout: float = 60.0
    # For a process with no port to probe: ready once it has stayed up this long (an import error shows at once).
    settle: float = 0.0
    popen: subprocess.Popen | None = field(default=None, repr=False)
    # Set by start, cleared by stop: a process that is not running while this is set has crashed (or was killed).
    should_run: bool = field(default=False, repr=False)

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        self.should_run = True
        if self.running:
            return
        with open(self.log_path, "ab") as log:
            # A JSON line like every line the services write (Redis, SecantusDB and SeaweedFS write their own).
            started = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "level": "info", "logger": "posecraft.devstack",
                       "message": f"starting {self.name}", "argv": self.argv}
            log.write((json.dumps(started) + "\n").encode())
            log.flush()
            popen = self.popen = subprocess.Popen(
                self.argv, cwd=self.cwd, env=dict(self.env), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,  # its own group: Ctrl-C reaches only us
            )
        deadline = time.monotonic() + self.ready_timeout
        while not self.ready():
            if popen.poll() is not None:
                raise StackError(f"{self.name} exited with code {popen.returncode} while starting; "
                                 f"last lines of {self.log_path}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise StackError(f"{self.name} was not ready after {self.ready_timeout:.0f} s; "
                                 f"last lines of {self.log_path}:\n{self.log_tail()}")
            time.sleep(0.05)
        time.sleep(self.settle)
        if popen.poll() is not None:
            raise StackError(f"{self.name} exited with code {popen.returncode} right after starting; "
                             f"last lines of {self.log_path}:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """Ask it to stop (its stop signal), then kill its group if it has not stopped within `timeout`."""
        self.should_run = False
        popen = self.popen
        if popen is None:
            return
        if popen.poll() is None:
            os.kill(popen.pid, self.stop_signal)
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        _kill_group(popen)  # what it forked, also when it had died by itself (an orphaned nginx worker serves on)

    def kill(self) -> None:
        """kill -9 the process and whatever it forked (a crash, as the fault tests need: a supervisor restarts it)."""
        if self.popen is not None:
            _kill_group(self.popen)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def _kill_group(popen: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGKILL the process's group (it and whatever it forked) and wait until every member is gone: a worker
    orphaned by its master's death releases the port it listens on only then."""
    try:
        os.killpg(popen.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    popen.wait()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            os.killpg(popen.pid, 0)
            time.sleep(0.01)
    except ProcessLookupError:
        pass
