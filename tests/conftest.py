"""The real servers every integration test runs against, started once per test run on free ports.

- `local_origin`: a web site on 127.0.0.1 in this process serving tests/photos and misbehaving on purpose
  (tests/support/origin.py lists its routes); it counts the requests per path.
- `backing_services`: Redis, SecantusDB (MongoDB protocol) and SeaweedFS (S3), data in a temporary folder.
  It is a `posecraft.devstack.DevStack`: `.stop("redis")`, `.start("redis")`, `.kill("mongo")`, `.restart("s3")`.
- `settings`: the Settings of those servers for tests: the local origin may be fetched (loopback allowed for
  127.0.0.1 and its port), short fetch timeouts, a short queue visibility timeout and an 8 MiB upload limit
  (so the over-size tests send little), 3 tries 0.5 s apart for a transient job failure, webhooks signed with
  "test-webhook-secret" and tried again 0.5 s, 1 s, ... apart, a team's own output preset `lookbook` (TEAM_PRESETS,
  the PRESETS_FILE beside the built-in ones). View URLs point at S3 directly.
- `system`: the same stack plus both Flask services under gunicorn (2 workers each, their ports in `.ports`), the
  pose worker and nginx in front, each started when its code is present. `.base_url` is nginx; `.settings` is
  what every process got (view URLs under `<base_url>/media`); `.kill_worker()` / `.start_worker()` and the
  methods above for faults. Nothing restarts what a test stops or kills, unless the test supervises the stack as
  `make up` does: `with posecraft.devstack.supervising(system): ...`.
When a test that used these fails, the last lines of every process's log are added to its report; a process a
test left stopped (or that crashed) is started again after it, with a warning.
"""
from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
from support.images import PHOTOS
from support.origin import LocalOrigin

from posecraft.config import Settings
from posecraft.devstack import DevStack, Ports, StackError

_stacks: list[DevStack] = []

# A team's own output presets (PRESETS_FILE): every process of the test stack knows `lookbook` (4:5, 800 x 1000 at
# least) beside the built-in ones.
TEAM_PRESETS = Path(__file__).parent / "data" / "team_presets.json"


@pytest.fixture(scope="session")
def local_origin():
    origin = LocalOrigin(PHOTOS).start()
    yield origin
    origin.stop()


@pytest.fixture(scope="session")
def backing_services(local_origin, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stack")
    # Built from no environment at all: a developer's MONGO_URL or a CI variable cannot leak into the tests.
    settings = Settings.from_env(
        {},
        fetch_allowed_hosts=(local_origin.host,),
        fetch_allowed_ports=(str(local_origin.port),),
        fetch_connect_timeout=2.0,
        fetch_read_timeout=3.0,
        queue_visibility_timeout=10,
        max_upload_bytes=8 * 1024 * 1024,
        # A URL that keeps timing out ends failed in seconds (3 tries, 0.5 s then 1 s apart), not a minute.
        job_max_attempts=3,
        job_retry_delay=0.5,
        # Webhooks on (the local origin's /hooks/ receive them), tried again within a second or two, not minutes.
        webhook_secret="test-webhook-secret",
        webhook_retry_delay=0.5,
        presets_file=str(TEAM_PRESETS),
    )
    # 2 gunicorn workers per service, as `make up` and the images run them (metrics must add both up).
    stack = DevStack(settings, run_dir=folder / "run", data_dir=folder / "data", ports=Ports.free(),
                     gunicorn_workers=2)
    _stacks.append(stack)
    try:
        stack.start_backing()
        yield stack
    finally:
        stack.stop_all()
        _stacks.remove(stack)


@pytest.fixture(scope="session")
def settings(backing_services) -> Settings:
    return dataclasses.replace(backing_services.settings, s3_public_url="")


@pytest.fixture(scope="session")
def system(backing_services) -> DevStack:
    try:
        backing_services.start_apps()
    except StackError as error:
        pytest.fail(f"the stack did not start: {error}", pytrace=False)
    return backing_services


@pytest.fixture(autouse=True)
def _restart_what_a_test_left_stopped():
    """A fault test that fails before it restarts what it stopped would fail every test after it: restart it."""
    yield
    for stack in _stacks:
        for name, process in list(stack.processes.items()):
            if not process.running:
                warnings.warn(f"{name} was not running after the test; restarted (its log: {process.log_path})", stacklevel=2)
                stack.start(name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _stacks and "backing_services" in item.fixturenames:
        for stack in _stacks:
            report.sections.append(("posecraft process logs", stack.log_tails()))
