"""DevStack: the processes of one stack, sharing one Settings, started in order and stopped in reverse."""
from __future__ import annotations

import dataclasses
import importlib.util
import os
import secrets
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from posecraft.config import REPO_ROOT, Settings
from posecraft.devstack import configs, probes
from posecraft.devstack.ports import Ports
from posecraft.devstack.process import ManagedProcess, StackError

BACKING = ("redis", "mongo", "s3")
APPS = ("ingest", "status", "worker", "nginx")
# The environment variable that, when set, means "use this real server, start none".
EXTERNAL_MARKERS = {"redis": "REDIS_URL", "mongo": "MONGO_URL", "s3": "S3_ENDPOINT_URL"}
# The module whose presence means an app's code is there (the repository grows one service at a time).
APP_MODULES = {"ingest": "ingest_service", "status": "status_service", "worker": "pose_worker.__main__"}


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
        self.settings = dataclasses.replace(
            settings,
            # The S3 server this stack starts gets the secret of its data folder unless one is set.
            s3_secret_key=settings.s3_secret_key or (s3_secret(self.data_dir) if "s3" in manage else ""),
            redis_url=f"redis://127.0.0.1:{ports.redis}/0" if "redis" in manage else settings.redis_url,
            mongo_url=f"mongodb://127.0.0.1:{ports.mongo}/" if "mongo" in manage else settings.mongo_url,
            s3_endpoint_url=f"http://127.0.0.1:{ports.s3}" if "s3" in manage else settings.s3_endpoint_url,
            data_dir=str(self.data_dir),
        )
        self.processes: dict[str, ManagedProcess] = {}
        # Held while a process is started, stopped or killed: a supervisor's thread may restart one meanwhile.
        self.lock = threading.RLock()
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
        env.update(configs.settings_env(self.settings))
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
        module = APP_MODULES.get(name)
        if module is None:
            return True
        try:
            return importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            return False

    def start(self, name: str) -> ManagedProcess:
        """Start `name` (again, after stop or kill) and wait until it is ready."""
        with self.lock:
            if name in self.processes and self.processes[name].running:
                return self.processes[name]
            port = getattr(self.ports, name, None)
            if port is not None and probes.port_open(port):
                # Checked first: a readiness probe would otherwise be answered by the program already there.
                hint = f"; or point {EXTERNAL_MARKERS[name]} at it" if name in EXTERNAL_MARKERS else ""
                raise StackError(f"cannot start {name}: port {port} is already in use by another program "
                                 f"(stop it{hint})")
            process = self.processes.get(name) or BUILDERS[name](self)
            process.env = self.env()
            self.processes[name] = process
            process.start()
            return process

    def stop(self, name: str) -> None:
        """Stop `name` on purpose: a supervisor leaves it stopped."""
        with self.lock:
            if name in self.processes:
                self.processes[name].stop()

    def kill(self, name: str) -> None:
        """kill -9 `name`, as a crash: a supervisor starts it again."""
        with self.lock:
            if name in self.processes:
                self.processes[name].kill()

    def restart(self, name: str) -> None:
        with self.lock:
            self.stop(name)
            self.start(name)

    def kill_worker(self) -> None:
        self.kill("worker")

    def start_worker(self) -> None:
        self.start("worker")

    def log_tails(self, lines: int = 30) -> str:
        return "\n".join(f"===== {name} ({p.log_path}) =====\n{p.log_tail(lines)}" for name, p in self.processes.items())

    # -- what the builders below share --

    def managed_process(self, name: str, argv: list[str], ready: Callable[[], bool],
                        **options: Any) -> ManagedProcess:
        return ManagedProcess(name, argv, self.env(), self.run_dir / f"{name}.log", ready, **options)

    def data_folder(self, name: str) -> Path:
        """The folder `name` keeps its data in (the same one on every restart)."""
        folder = self.data_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def s3_secret(data_dir: Path) -> str:
    """The S3 secret kept in `data_dir` (made at its first use: 256 random bits, readable by its owner only), so
    `make up` needs no secret set and none is documented."""
    path = Path(data_dir) / "s3-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


# --- how each process is started -----------------------------------------------------------------------------


def _redis(stack: DevStack) -> ManagedProcess:
    port = stack.ports.redis
    argv = configs.redis_argv(port, stack.data_folder("redis"))
    return stack.managed_process("redis", argv, lambda: probes.redis_pong(port))


def _mongo(stack: DevStack) -> ManagedProcess:
    port = stack.ports.mongo
    argv = configs.secantus_argv(port, stack.data_folder("mongo"))
    return stack.managed_process("mongo", argv, lambda: probes.mongo_ping(port))


def _s3(stack: DevStack) -> ManagedProcess:
    settings, port = stack.settings, stack.ports.s3
    s3_config = stack.run_dir / "s3.json"
    configs.write_s3_config(s3_config, settings)
    argv = configs.weed_argv(stack.ports, stack.data_folder("s3"), s3_config)
    return stack.managed_process("s3", argv, lambda: probes.s3_ready(settings, port))


def _gunicorn(stack: DevStack, name: str, app: str, port: int, extra: tuple[str, ...] = ()) -> ManagedProcess:
    argv = configs.gunicorn_argv(app, port, stack.gunicorn_workers, stack.run_dir / "metrics" / name, extra)
    return stack.managed_process(name, argv, lambda: probes.http_status(f"http://127.0.0.1:{port}/healthz") == 200)


def _ingest(stack: DevStack) -> ManagedProcess:
    return _gunicorn(stack, "ingest", "ingest_service:create_app()", stack.ports.ingest)


def _status(stack: DevStack) -> ManagedProcess:
    # An open event stream holds what serves it: a greenlet under gevent (950 held per process, the other routes
    # answering in ~8 ms), where gthread's 4 threads held 3 (docs/OPERATING.md). As the image runs it.
    return _gunicorn(stack, "status", "status_service:create_app()", stack.ports.status,
                     ("--worker-class", "gevent", "--worker-connections", "1000"))


def _worker(stack: DevStack) -> ManagedProcess:
    return stack.managed_process("worker", [sys.executable, "-m", "pose_worker"], lambda: True, settle=1.5)


def _nginx(stack: DevStack) -> ManagedProcess:
    folder, error_log, port = stack.run_dir / "nginx", stack.run_dir / "nginx.log", stack.ports.nginx
    config = configs.write_nginx_config(folder, error_log, configs.nginx_values(stack.settings, stack.ports))
    argv = configs.nginx_argv(folder, config, error_log)
    return stack.managed_process("nginx", argv, lambda: probes.port_open(port), stop_signal=signal.SIGQUIT)


BUILDERS: dict[str, Callable[[DevStack], ManagedProcess]] = {
    "redis": _redis, "mongo": _mongo, "s3": _s3,
    "ingest": _ingest, "status": _status, "worker": _worker, "nginx": _nginx,
}
