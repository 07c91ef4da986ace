"""The ports of one stack: the fixed ones of `make up`, or free ones so that tests and benchmarks run side by side."""
from __future__ import annotations

import socket
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass


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
        """Ports the kernel reports free right now (all held open at once, so no two are the same)."""
        count = 6 + len(cls.SEAWEED_FLAGS)
        with ExitStack() as held:
            ports = []
            for _ in range(count):
                sock = held.enter_context(socket.socket())
                sock.bind(("127.0.0.1", 0))
                ports.append(sock.getsockname()[1])
        nginx, ingest, status, redis, mongo, s3, *seaweed = ports
        return cls(nginx, ingest, status, redis, mongo, s3, dict(zip(cls.SEAWEED_FLAGS, seaweed, strict=True)))
