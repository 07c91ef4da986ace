"""The ports of one stack: the fixed ones of `make up`, or free ones so that tests and benchmarks run side by side."""
from __future__ import annotations

import random
import socket
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from posecraft.devstack.process import StackError


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
        seaweed = dict(zip(cls.SEAWEED_FLAGS, range(18301, 18310), strict=True))
        return cls(nginx=nginx, ingest=nginx + 1, status=nginx + 2, redis=6379, mongo=27017, s3=8333, seaweed=seaweed)

    @classmethod
    def free(cls) -> Ports:
        """Ports free right now, each held open until all are chosen (so no two are the same), taken outside the
        kernel's range for outgoing connections: a port in that range may be taken by any program's outgoing
        connection before the server starts, and one such a connection left in TIME_WAIT cannot be bound at all
        (SeaweedFS, with ten ports, failed to start in most runs on a busy machine)."""
        count = 6 + len(cls.SEAWEED_FLAGS)
        low, high = _outgoing_range()
        fixed = cls.fixed()
        make_up = {fixed.nginx, fixed.ingest, fixed.status, fixed.redis, fixed.mongo, fixed.s3, *fixed.seaweed.values()}
        candidates = [port for port in range(20000, 65536) if not low <= port <= high and port not in make_up]
        with ExitStack() as held:
            ports: list[int] = []
            for port in random.sample(candidates, len(candidates)):
                sock = held.enter_context(socket.socket())
                try:
                    # Free on every local address: SeaweedFS refuses a port that any of them holds (a test client
                    # bound to 127.0.0.2 leaves its ports in TIME_WAIT there).
                    sock.bind(("0.0.0.0", port))
                except OSError:
                    continue
                ports.append(port)
                if len(ports) == count:
                    break
        if len(ports) < count:
            raise StackError(f"only {len(ports)} of the {count} ports a stack needs are free outside {low}-{high}")
        nginx, ingest, status, redis, mongo, s3, *seaweed = ports
        return cls(nginx, ingest, status, redis, mongo, s3, dict(zip(cls.SEAWEED_FLAGS, seaweed, strict=True)))


def _outgoing_range() -> tuple[int, int]:
    """The ports the kernel picks from for outgoing connections (Linux's default when it does not say)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999
