"""The dev stack: the one place that knows how to start, check, stop and restart every PoseCraft process.

`make up` runs `python -m posecraft.devstack up`; the test fixtures in tests/conftest.py build a `DevStack` on free
ports in a temporary folder. Every process gets the same environment, rendered from one `Settings`, so a child's
`Settings.from_env()` sees exactly what the stack decided (server URLs, limits, timeouts).

Backing servers (started unless the environment names real ones with MONGO_URL / REDIS_URL / S3_ENDPOINT_URL):
Redis, SecantusDB (a MongoDB-protocol server) and SeaweedFS (an S3 server). Then, when their code is present, the
two Flask services under gunicorn, the pose worker and nginx in front. Each process logs into `<run dir>/<name>.log`.

    ports.py       the ports of one stack: fixed (make up) or free ones (tests, benchmarks)
    process.py     one managed process: start and wait until ready, stop, kill -9
    configs.py     how each server is started: command lines, nginx.conf, s3.json, the environment
    probes.py      readiness probes: is this server answering yet?
    stack.py       DevStack: the processes of one stack, built from one Settings, started in order
    supervisor.py  a process that exits on its own is started again, with backoff
    __main__.py    the command line (`python -m posecraft.devstack up`)
"""
from posecraft.devstack.ports import Ports
from posecraft.devstack.process import ManagedProcess, StackError
from posecraft.devstack.stack import DevStack
from posecraft.devstack.supervisor import RestartPolicy, Supervisor, supervising

__all__ = ["DevStack", "ManagedProcess", "Ports", "RestartPolicy", "StackError", "Supervisor", "supervising"]
