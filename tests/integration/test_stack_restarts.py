"""The dev stack's supervisor on small real processes (no servers): what it restarts, how soon, and when it gives up."""
from __future__ import annotations

import os
import signal
import sys
import time

import pytest

from posecraft.config import Settings
from posecraft.devstack import DevStack, ManagedProcess, Ports, RestartPolicy, supervising

# Writes when it started and when it ends (CLOCK_MONOTONIC is one clock for every process), then crashes.
CRASHER = """
import sys, time
started = time.monotonic()
print("crasher is up", flush=True)
time.sleep(0.2)
with open(sys.argv[1], "a") as runs:
    runs.write(f"{started} {time.monotonic()}\\n")
print("crasher: something went wrong", flush=True)
sys.exit(3)
"""
QUICK = RestartPolicy(first_delay=0.1, max_delay=0.4, healthy_after=60.0, max_crashes=4)


@pytest.fixture
def stack(tmp_path):
    stack = DevStack(Settings.from_env({}), run_dir=tmp_path / "run", data_dir=tmp_path / "data", ports=Ports.free())
    yield stack
    stack.stop_all()


def add(stack: DevStack, name: str, *argv: str) -> ManagedProcess:
    stack.processes[name] = stack.managed_process(name, [sys.executable, *argv], ready=lambda: True)
    return stack.start(name)


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not true after {timeout} s"
        time.sleep(0.05)


def runs_of(path) -> list[tuple[float, float]]:
    if not path.exists():
        return []
    return [tuple(map(float, line.split())) for line in path.read_text().splitlines()]  # type: ignore[misc]


def test_a_process_that_keeps_crashing_is_restarted_with_doubling_waits_then_left_stopped_loudly_while_the_rest_runs(
        stack, tmp_path, capsys):
    runs = tmp_path / "runs.txt"
    steady = add(stack, "steady", "-c", "import time; time.sleep(600)")
    crasher = add(stack, "crasher", "-c", CRASHER, str(runs))

    with supervising(stack, QUICK):
        wait_until(lambda: not crasher.should_run, timeout=20)
        time.sleep(2 * QUICK.max_delay)  # nothing more comes once it has given up
    said = capsys.readouterr().err

    starts = runs_of(runs)
    assert len(starts) == QUICK.max_crashes
    waits = [later[0] - earlier[1] for earlier, later in zip(starts, starts[1:], strict=False)]
    assert all(wait >= QUICK.delay(n) for n, wait in enumerate(waits, start=1)), waits
    assert not crasher.running
    assert "crasher exited with code 3, 4 times in a row: it is NOT started again" in said
    assert "crasher: something went wrong" in said  # the last lines of its log come with it
    assert "crasher exited with code 3 (crash 1 in a row): starting it again in 0.1 s" in said
    assert steady.running and steady.popen is not None


def test_a_process_killed_with_9_is_started_again_but_one_stopped_on_purpose_stays_stopped(stack, capsys):
    victim = add(stack, "victim", "-c", "import time; time.sleep(600)")
    stopped = add(stack, "stopped", "-c", "import time; time.sleep(600)")
    assert victim.popen is not None
    first_pid = victim.popen.pid

    with supervising(stack):
        os.kill(first_pid, signal.SIGKILL)
        stack.stop("stopped")
        wait_until(lambda: victim.running and victim.popen is not None and victim.popen.pid != first_pid, timeout=5)
        time.sleep(1.0)
    said = capsys.readouterr().err

    assert "victim was killed by SIGKILL (crash 1 in a row): starting it again in 0.5 s" in said
    assert "victim is running again" in said
    assert not stopped.running
    assert not [line for line in said.splitlines() if line.startswith("stopped")]
