"""The dev stack: the one place that knows how to start, check, stop and restart every PoseCraft process.

`make up` runs `python -m posecraft.devstack up`; the test fixtures in tests/conftest.py build a `DevStack` on free
ports in a temporary folder. Every process gets the same environment, rendered from one `Settings`, so a child's
`Settings.from_env()` sees exactly what the stack decided (server URLs, limits, timeouts).

Backing servers (started unless the environment names real ones with MONGO_URL / REDIS_URL / S3_ENDPOINT_URL):
Redis, SecantusDB (a MongoDB-protocol server) and SeaweedFS (an S3 server). Then, when their code is present, the
two Flask services under gunicorn, the pose worker and nginx in front. Each process logs into `<run dir>/<name>.log`.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from posecraft.config import REPO_ROOT, Settings

NGINX_DIR = REPO_ROOT / "nginx"
WEB_DIST = REPO_ROOT / "web" / "dist"
BIN_DIR = Path(sys.executable).parent

BACKING = ("redis", "mongo", "s3")
APPS = ("ingest", "status", "worker", "nginx")
# The environment variable that, when set, means "use this real server, start none".
EXTERNAL_MARKERS = {"redis": "REDIS_URL", "mongo": "MONGO_URL", "s3": "S3_ENDPOINT_URL"}


class StackError(RuntimeError):
    """A process of the stack could not be started or did not become ready (the message says which and why)."""


# --- ports ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ports:
    nginx: int
    ingest: int
    status: int
    redis: int
    mongo: int
    s3: int
    # SeaweedFS's inner servers: master, volume, filer, admin (http) and every gRPC port; all named explicitly so
    # that two stacks on one machine never collide on a default port.
    seaweed: Mapping[str, int]

    SEAWEED_FLAGS = (
        "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
        "s3.port.grpc", "admin.port", "admin.port.grpc",
    )

    @classmethod
    def fixed(cls, nginx: int = 8080) -> Ports:
        """The ports of `make up`: the backing servers on their well-known ports (Settings' defaults reach them),
        the two services on the two ports after nginx's."""
        # SeaweedFS's inner ports: a block of their own, away from weed's defaults (another weed may hold those).
        seaweed = dict(zip(cls.SEAWEED_FLAGS, range(18301, 18310), strict=False))
        return cls(nginx=nginx, ingest=nginx + 1, status=nginx + 2, redis=6379, mongo=27017, s3=8333, seaweed=seaweed)

    @classmethod
    def free(cls) -> Ports:
        """Ports the kernel reports free right now (all held open at once, so no two are the same)."""
        count = 6 + len(cls.SEAWEED_FLAGS)
        with ExitStack() as held:
            ports = []
            for _ in range(count):
                sock = held.enter_context(socket.socket())
                sock.bind(("127.0.0.1", 0))
                ports.append(sock.getsockname()[1])
        nginx, ingest, status, redis, mongo, s3, *seaweed = ports
        return cls(nginx, ingest, status, redis, mongo, s3, dict(zip(cls.SEAWEED_FLAGS, seaweed, strict=False)))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status code `url` answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


# --- the environment every process gets ----------------------------------------------------------------------


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment variables that make `Settings.from_env()` rebuild `settings` exactly."""
    env = {}
    for f in dataclasses.fields(settings):
        if f.name == "extra":
            continue
        value = getattr(settings, f.name)
        env[f.name.upper()] = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return env


def render_template(text: str, values: Mapping[str, str]) -> str:
    """Replace `${NAME}` for the names given and leave everything else alone, as the nginx image's envsubst does
    (so nginx's own `$host`, `$uri` survive)."""
    return re.sub(r"\$\{([A-Z0-9_]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


# --- one managed process -------------------------------------------------------------------------------------


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

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        if self.running:
            return
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {time.strftime('%H:%M:%S')} starting: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv, cwd=self.cwd, env=dict(self.env), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,  # its own group: Ctrl-C reaches only us
            )
        deadline = time.monotonic() + self.ready_timeout
        while not self.ready():
            if self.popen.poll() is not None:
                raise StackError(f"{self.name} exited with code {self.popen.returncode} while starting; "
                                 f"last lines of {self.log_path}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise StackError(f"{self.name} was not ready after {self.ready_timeout:.0f} s; "
                                 f"last lines of {self.log_path}:\n{self.log_tail()}")
            time.sleep(0.05)
        time.sleep(self.settle)
        if self.popen.poll() is not None:
            raise StackError(f"{self.name} exited with code {self.popen.returncode} right after starting; "
                             f"last lines of {self.log_path}:\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """Ask it to stop (its stop signal), then kill its group if it has not stopped within `timeout`."""
        if not self.running:
            return
        os.kill(self.popen.pid, self.stop_signal)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._kill_leftovers()

    def kill(self) -> None:
        """kill -9 the process and whatever it forked (a crash, as the fault tests need)."""
        if self.popen is None:
            return
        self._kill_leftovers()
        self.popen.wait()

    def _kill_leftovers(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


# --- the stack -----------------------------------------------------------------------------------------------


class DevStack:
    """Redis, MongoDB, S3, both Flask services, the worker and nginx, sharing one Settings.

    `manage` names the backing servers this stack starts; the others are taken from `settings` as they are.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        run_dir: Path,
        data_dir: Path,
        ports: Ports,
        manage: tuple[str, ...] = BACKING,
        gunicorn_workers: int = 1,
    ):
        self.run_dir = Path(run_dir)
        self.data_dir = Path(data_dir)
        self.ports = ports
        self.manage = manage
        self.gunicorn_workers = gunicorn_workers
        urls = {
            "redis": {"redis_url": f"redis://127.0.0.1:{ports.redis}/0"},
            "mongo": {"mongo_url": f"mongodb://127.0.0.1:{ports.mongo}/"},
            "s3": {"s3_endpoint_url": f"http://127.0.0.1:{ports.s3}"},
        }
        for name in manage:
            settings = dataclasses.replace(settings, **urls[name])
        self.settings = dataclasses.replace(settings, data_dir=str(self.data_dir))
        self.processes: dict[str, ManagedProcess] = {}
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_development(cls, environ: Mapping[str, str] = os.environ, nginx_port: int = 8080,
                        run_dir: Path = REPO_ROOT / ".run") -> DevStack:
        """`make up`: fixed ports, data in Settings.data_dir (.data/), logs in .run/, real servers from the
        environment where it names them."""
        settings = Settings.from_env(environ)
        manage = tuple(name for name in BACKING if not environ.get(EXTERNAL_MARKERS[name]))
        return cls(settings, run_dir=run_dir, data_dir=Path(settings.data_dir),
                   ports=Ports.fixed(nginx_port), manage=manage, gunicorn_workers=2)

    # -- what the processes share --

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.nginx}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(settings_env(self.settings))
        env["PYTHONUNBUFFERED"] = "1"
        return env

    # -- starting and stopping --

    def start_backing(self) -> None:
        for name in self.manage:
            self.start(name)

    def start_apps(self) -> None:
        """Both services, the worker and nginx: each one whose code is present (the others are skipped)."""
        if not self.settings.s3_public_url:
            # View URLs go through nginx, so a browser can fetch them from the page's own origin.
            self.settings = dataclasses.replace(self.settings, s3_public_url=f"{self.base_url}/media")
        for name in APPS:
            if self.present(name):
                self.start(name)

    def start_all(self) -> None:
        self.start_backing()
        self.start_apps()

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    @staticmethod
    def present(name: str) -> bool:
        module = {"ingest": "ingest_service", "status": "status_service", "worker": "pose_worker.__main__"}.get(name)
        if module is None:
            return True
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            return False

    def start(self, name: str) -> ManagedProcess:
        """Start `name` (again, after stop or kill) and wait until it is ready."""
        if name in self.processes and self.processes[name].running:
            return self.processes[name]
        port = getattr(self.ports, name, None)
        if port is not None and port_open(port):
            # Checked first: a readiness probe would otherwise be answered by the program already there.
            hint = f"; or point {EXTERNAL_MARKERS[name]} at it" if name in EXTERNAL_MARKERS else ""
            raise StackError(f"cannot start {name}: port {port} is already in use by another program "
                             f"(stop it{hint})")
        process = self.processes.get(name) or self._build(name)
        process.env = self.env()
        self.processes[name] = process
        process.start()
        return process

    def stop(self, name: str) -> None:
        if name in self.processes:
            self.processes[name].stop()

    def kill(self, name: str) -> None:
        if name in self.processes:
            self.processes[name].kill()

    def restart(self, name: str) -> None:
        self.stop(name)
        self.start(name)

    def kill_worker(self) -> None:
        self.kill("worker")

    def start_worker(self) -> None:
        self.start("worker")

    def log_tails(self, lines: int = 30) -> str:
        return "\n".join(f"===== {name} ({p.log_path}) =====\n{p.log_tail(lines)}" for name, p in self.processes.items())

    # -- how each process is started --

    def _build(self, name: str) -> ManagedProcess:
        return getattr(self, f"_{name}")()

    def _process(self, name: str, argv: list[str], ready: Callable[[], bool], **kwargs) -> ManagedProcess:
        return ManagedProcess(name, argv, self.env(), self.run_dir / f"{name}.log", ready, **kwargs)

    def _redis(self) -> ManagedProcess:
        folder = self._data("redis")
        port = self.ports.redis
        # appendonly: a restart (or a stop/start in a fault test) keeps the queued jobs.
        argv = [_binary("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                "--appendonly", "yes", "--dir", str(folder)]
        return self._process("redis", argv, lambda: _redis_pong(port))

    def _mongo(self) -> ManagedProcess:
        port = self.ports.mongo
        argv = [str(BIN_DIR / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
                "--storage-path", str(self._data("mongo"))]
        return self._process("mongo", argv, lambda: _mongo_ping(port))

    def _s3(self) -> ManagedProcess:
        s = self.settings
        config = self.run_dir / "s3.json"
        config.write_text(json.dumps(seaweed_identities(s), indent=2))
        config.chmod(0o600)
        port = self.ports.s3
        argv = [str(BIN_DIR / "weed"), "mini", f"-dir={self._data('s3')}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0",
                "-s3.port.lance=0", f"-s3.port={port}", f"-s3.config={config}"]
        argv += [f"-{flag}={value}" for flag, value in self.ports.seaweed.items()]
        return self._process("s3", argv, lambda: _s3_ready(s, port))

    def _gunicorn(self, name: str, app: str, port: int) -> ManagedProcess:
        argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                str(self.gunicorn_workers), "--worker-class", "gthread", "--threads", "4", "--timeout", "60",
                "--graceful-timeout", "10", "--access-logfile", "-", "--error-logfile", "-",
                "--no-control-socket",  # its default control socket is one per user: stacks would share it
                # /metrics adds up all workers; each service's own folder, emptied as gunicorn starts
                "--config", "python:posecraft.gunicorn_config",
                "--env", f"PROMETHEUS_MULTIPROC_DIR={self.run_dir / 'metrics' / name}", app]
        return self._process(name, argv, lambda: http_status(f"http://127.0.0.1:{port}/healthz") == 200)

    def _ingest(self) -> ManagedProcess:
        return self._gunicorn("ingest", "ingest_service:create_app()", self.ports.ingest)

    def _status(self) -> ManagedProcess:
        return self._gunicorn("status", "status_service:create_app()", self.ports.status)

    def _worker(self) -> ManagedProcess:
        return self._process("worker", [sys.executable, "-m", "pose_worker"], lambda: True, settle=1.5)

    def _nginx(self) -> ManagedProcess:
        folder = self.run_dir / "nginx"
        log = self.run_dir / "nginx.log"
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)  # worker processes read and write their temp files here
        (folder / "posecraft.conf").write_text(render_template(
            (NGINX_DIR / "posecraft.conf.template").read_text(), self.nginx_values()))
        connections = nginx_worker_connections()
        (folder / "nginx.conf").write_text(render_template(
            (NGINX_DIR / "nginx.dev.conf.template").read_text(),
            {"RUN_DIR": str(folder), "ERROR_LOG": str(log), "USER_DIRECTIVE": _nginx_user_directive(),
             "WORKER_CONNECTIONS": str(connections), "WORKER_RLIMIT_NOFILE": str(connections + 256)}))
        argv = [_binary("nginx"), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log),
                "-g", "daemon off;"]
        port = self.ports.nginx
        return self._process("nginx", argv, lambda: port_open(port), stop_signal=signal.SIGQUIT)

    def nginx_values(self) -> dict[str, str]:
        """The values of nginx/posecraft.conf.template (the docker image gets the same names from compose)."""
        s3 = re.sub(r"^https?://", "", self.settings.s3_endpoint_url).rstrip("/")
        return {
            "LISTEN": f"127.0.0.1:{self.ports.nginx}",
            "WEB_ROOT": str(WEB_DIST),
            "INGEST_UPSTREAM": f"127.0.0.1:{self.ports.ingest}",
            "STATUS_UPSTREAM": f"127.0.0.1:{self.ports.status}",
            "S3_UPSTREAM": s3,
            "S3_BUCKET": self.settings.s3_bucket,
            "MAX_UPLOAD_BYTES": str(self.settings.max_upload_bytes),
            "CLIENT_CONNECTIONS": str(self.settings.client_connections),
            "CLIENT_SUBMITS_PER_MINUTE": str(self.settings.client_submits_per_minute),
            "CLIENT_REQUESTS_PER_MINUTE": str(self.settings.client_requests_per_minute),
            "CLIENT_TIMEOUT": str(self.settings.client_timeout),
        }

    def _data(self, name: str) -> Path:
        folder = self.data_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def seaweed_identities(settings: Settings) -> dict:
    """SeaweedFS's s3.json: the services' key may do everything; anonymous requests may do nothing but what the
    bucket policy allows (Storage.ensure_bucket: GET of an object, never a listing or a write)."""
    return {"identities": [
        {"name": "posecraft",
         "credentials": [{"accessKey": settings.s3_access_key, "secretKey": settings.s3_secret_key}],
         "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
        {"name": "anonymous", "actions": []},
    ]}


def nginx_worker_connections() -> int:
    """Connections of each nginx worker: 16384 (a few MB of nginx's memory per worker), fewer if this process's
    open-files limit is lower. nginx raises its own limit to that many files and 256 more (logs, buffered bodies)."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 16384 if hard == resource.RLIM_INFINITY else min(16384, hard - 256)


def _binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/sbin")
    if path is None:
        raise StackError(f"{name} is not installed; run `make install` (it installs it with apt-get)")
    return path


def _nginx_user_directive() -> str:
    # Under root nginx's workers would run as `nobody`, who cannot enter a checkout under a private folder
    # (a CI clone in `mktemp -d`); this stack only listens on 127.0.0.1, so they keep the caller's user.
    return "user root;" if os.geteuid() == 0 else ""


def _redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _mongo_ping(port: int) -> bool:
    if not port_open(port):
        return False
    import pymongo

    client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=1000)
    try:
        client.admin.command("ping")
        return True
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


def _s3_ready(settings: Settings, port: int) -> bool:
    # The gateway answers before its filer is ready: ready once the bucket (with its public-read policy) can be
    # made, which is also what the services would otherwise do on their first request.
    if http_status(f"http://127.0.0.1:{port}/healthz") != 200:
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    from posecraft.storage import Storage

    try:
        Storage.from_settings(settings).ensure_bucket()
        return True
    except (BotoCoreError, ClientError):
        return False


# --- python -m posecraft.devstack up --------------------------------------------------------------------------


def up(nginx_port: int, run_dir: Path) -> int:
    stack = DevStack.for_development(nginx_port=nginx_port, run_dir=run_dir)
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
        print("Ctrl-C stops everything this command started.", flush=True)
        while True:
            crashed = [p for p in stack.processes.values() if not p.running]
            if crashed:
                for process in crashed:
                    print(f"{process.name} stopped unexpectedly; last lines of {process.log_path}:\n"
                          f"{process.log_tail()}", file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    except StackError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, signal.SIG_IGN)  # a second Ctrl-C must not leave half the stack running
        print("stopping...", flush=True)
        stack.stop_all()


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
