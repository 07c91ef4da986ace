"""Readiness probes: is this server answering yet? Each returns False (never raises) while it is not."""
from __future__ import annotations

import socket
import urllib.error
import urllib.request

from posecraft.config import Settings


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


def redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def mongo_ping(port: int) -> bool:
    if not port_open(port):
        return False
    import pymongo

    client: pymongo.MongoClient = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=1000)
    try:
        client.admin.command("ping")
        return True
    except pymongo.errors.PyMongoError:
        return False
    finally:
        client.close()


def s3_ready(settings: Settings, port: int) -> bool:
    # The gateway answers before its filer is ready: ready once the bucket (with its public-read policy) can be
    # made, which is also what the services would otherwise do on their first request.
    if http_status(f"http://127.0.0.1:{port}/healthz") != 200:
        return False
    from botocore.exceptions import BotoCoreError, ClientError

    from posecraft.stores.storage import Storage

    try:
        Storage.from_settings(settings).ensure_bucket()
        return True
    except (BotoCoreError, ClientError):
        return False
