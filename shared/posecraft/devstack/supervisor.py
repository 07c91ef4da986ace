"""Supervision: a process of the stack that exits without being stopped is started again, with backoff.

`make up` supervises its stack from its main loop; a test supervises the test stack while it needs to with
`with supervising(stack): ...` (a thread), so the fault tests that stop or kill a process on purpose see it stay down.

Restarts go in the order the stack started its processes: a backing server before the apps that use it. A backing
server's restart restarts nothing else: the services and the worker wait for their stores and reconnect by
themselves (a request meanwhile waits for them a little, then gets a 503 with Retry-After). What the dead process forked (gunicorn's or nginx's
workers, still holding its port) is killed just before it starts again.
"""
from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from posecraft.devstack.process import ManagedProcess, StackError
from posecraft.devstack.stack import DevStack


@dataclass(frozen=True)
class RestartPolicy:
    """When a process that exited on its own is started again: `first_delay` after its first crash, twice that after
    each further crash in a row, at most `max_delay`. A process that ran `healthy_after` seconds before it crashed
    starts a new row. After `max_crashes` in a row it is left stopped. With the defaults a process that cannot run
    is tried for about a minute (waits of 0.5, 1, 2, 4, 8, 16 and 30 s) before it is given up."""

    first_delay: float = 0.5
    max_delay: float = 30.0
    healthy_after: float = 60.0
    max_crashes: int = 8

    def crashes_in_a_row(self, before: int, ran_for: float) -> int:
        """The crash count after one more crash of a process that had `before` and ran `ran_for` seconds."""
        return 1 if ran_for >= self.healthy_after else before + 1

    def delay(self, crashes: int) -> float:
        """Seconds to wait before starting again a process that has crashed `crashes` times in a row."""
        return min(self.first_delay * 2 ** (crashes - 1), self.max_delay)

    def gives_up(self, crashes: int) -> bool:
        return crashes >= self.max_crashes


@dataclass
class _Watch:
    """What the supervisor knows of one process."""

    crashes: int = 0
    up_since: float | None = None  # since when it has been seen running (None: not since its last crash)
    exited_at: float | None = None  # when it was seen dead, kept through failed restarts
    restart_at: float | None = None  # set while a crashed process waits out its delay


class Supervisor:
    def __init__(self, stack: DevStack, policy: RestartPolicy = RestartPolicy()):
        self.stack = stack
        self.policy = policy
        self._watches: dict[str, _Watch] = {}

    def run(self, stop: threading.Event | None = None, interval: float = 0.2) -> None:
        """Check every `interval` seconds until `stop` is set (without one, until Ctrl-C)."""
        stop = stop or threading.Event()
        while not stop.wait(interval):
            self.check()

    def check(self) -> None:
        """Note each process that has exited, and start again each one whose delay has passed."""
        with self.stack.lock:
            for name, process in list(self.stack.processes.items()):
                watch = self._watches.setdefault(name, _Watch())
                if process.running:
                    if watch.up_since is None:
                        watch.up_since = time.monotonic()
                elif not process.should_run:  # stopped on purpose (or given up)
                    del self._watches[name]
                elif watch.restart_at is None:
                    self._crashed(process, watch)
                elif time.monotonic() >= watch.restart_at:
                    self._restart(process, watch)

    def _crashed(self, process: ManagedProcess, watch: _Watch) -> None:
        now = time.monotonic()
        ran_for = now - watch.up_since if watch.up_since is not None else 0.0
        watch.crashes = self.policy.crashes_in_a_row(watch.crashes, ran_for)
        watch.up_since = None
        watch.exited_at = watch.exited_at or now
        how = _how_it_ended(process)
        if self.policy.gives_up(watch.crashes):
            process.kill()  # and whatever it forked
            process.should_run = False  # left stopped: `stack.start(name)` tries it again
            del self._watches[process.name]
            _say(f"\n{'!' * 100}\n{process.name} {how}, {watch.crashes} times in a row: it is NOT started again. "
                 f"Everything else keeps running. Last lines of {process.log_path}:\n{process.log_tail()}\n"
                 f"{'!' * 100}")
            return
        delay = self.policy.delay(watch.crashes)
        watch.restart_at = now + delay
        _say(f"{process.name} {how} (crash {watch.crashes} in a row): starting it again in {delay:g} s; "
             f"its log: {process.log_path}")

    def _restart(self, process: ManagedProcess, watch: _Watch) -> None:
        watch.restart_at = None
        # What it forked is killed only now: an orphaned nginx worker keeps serving meanwhile (gunicorn's workers
        # exit by themselves), but it holds the port the new process needs.
        process.kill()
        try:
            self.stack.start(process.name)
        except (StackError, OSError) as error:  # OSError: its program is gone
            _say(f"{process.name} did not start again: {error}")  # the next check counts it as another crash
            return
        now = time.monotonic()
        _say(f"{process.name} is running again, {now - (watch.exited_at or now):.1f} s after it exited")
        watch.up_since, watch.exited_at = now, None


@contextmanager
def supervising(stack: DevStack, policy: RestartPolicy = RestartPolicy()) -> Iterator[Supervisor]:
    """Supervise `stack` from a thread while the block runs."""
    supervisor = Supervisor(stack, policy)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop,), name="devstack-supervisor", daemon=True)
    thread.start()
    try:
        yield supervisor
    finally:
        stop.set()
        thread.join()


def _how_it_ended(process: ManagedProcess) -> str:
    code = process.popen.returncode if process.popen is not None else None
    if code is not None and code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
