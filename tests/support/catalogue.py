"""What the catalogue tests share: fresh photos, waiting for an outcome, and a server-sent events client."""
from __future__ import annotations

import contextlib
import http.client
import io
import json
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests
from PIL import Image

PHOTOS = Path(__file__).parents[1] / "photos"


def fresh_photo(name: str = "bus.jpg") -> bytes:
    """A test photo with bytes no other upload has (a unique JPEG comment): a new image, never a duplicate."""
    buffer = io.BytesIO()
    with Image.open(PHOTOS / name) as photo:
        photo.convert("RGB").save(buffer, "JPEG", quality=90, comment=uuid.uuid4().hex.encode())
    return buffer.getvalue()


def wait_for_status(base_url: str, image_id: int, wanted=("processed", "failed"), timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = requests.get(f"{base_url}/api/image-status/{image_id}", timeout=10).json()
        if body.get("status") in wanted:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"image {image_id} still {body.get('status')} after {timeout:.0f} s: {body}")
        time.sleep(0.3)


class EventClient:
    """GET /api/events read on a thread: each event as (name, data), each comment line kept. `close()` shuts the
    socket, so the server sees the client go at once (as when a browser tab closes)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self._connection.request("GET", parts.path, headers={"Accept": "text/event-stream"})
        self.response = self._connection.getresponse()
        self.status, self.headers = self.response.status, self.response.headers
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.comments: list[str] = []
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        name, data = "message", []
        try:
            while line := self.response.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith(":"):
                    self.comments.append(text[1:].strip())
                elif text.startswith("event:"):
                    name = text[6:].strip()
                elif text.startswith("data:"):
                    data.append(text[5:].strip())
                elif text == "" and data:
                    self.events.put((name, json.loads("\n".join(data))))
                    name, data = "message", []
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass  # closed by the test (http.client then reads from a closed file), or by the server

    def wait_for(self, matches: Callable[[dict], bool], timeout: float = 30.0) -> dict:
        """The first image event whose data `matches`, skipping the others."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout:.0f} s")
            try:
                name, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if name == "image" and matches(data):
                return data

    def close(self) -> None:
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._connection.close()
        self._thread.join(5)
