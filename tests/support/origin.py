"""A local HTTP origin: the web site a user's image URL points at, on 127.0.0.1 inside the test process.

Routes (every request is counted per path in `hits`, so a test can prove a URL was or was not fetched):
  /photos/<name>       a file of tests/photos, with the Content-Type of its extension
  /status/<code>       answers with that status code and a short text body
  /slow?seconds=N      sends nothing for N seconds (default 6), then an image: longer than the tests' read timeout
  /html                a text/html page
  /redirect?to=<url>   302 to <url>
  /text-as-jpg         plain text sent as image/jpeg (a lying Content-Type)
  /large?bytes=N       N bytes labelled image/jpeg, streamed with no Content-Length
  /trickle?seconds=N   a photo sent in 20 pieces spread over N seconds (each piece well inside a read timeout)
  /gzip-bomb?bytes=N   N zero bytes gzip-compressed (a few KB on the wire), Content-Encoding: gzip
  POST /hooks/<name>   a webhook receiver: keeps each request (`hook_calls(name)`) and answers the next status of
                       `answer_hooks(name, [500, 500, 200])` (200 once those are used up)
"""
from __future__ import annotations

import gzip
import mimetypes
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class HookCall:
    headers: dict[str, str]
    body: bytes
    answered: int


class LocalOrigin:
    def __init__(self, photos_dir: Path, host: str = "127.0.0.1"):
        self.photos_dir = Path(photos_dir)
        self.hits: Counter[str] = Counter()
        self._hook_calls: dict[str, list[HookCall]] = {}
        self._hook_answers: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), _handler_for(self))
        self._server.daemon_threads = True  # a /slow request still sleeping does not hold up the end of the run
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-origin", daemon=True)

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}/{path.lstrip('/')}"

    def photo_url(self, name: str) -> str:
        return self.url(f"photos/{name}")

    def count(self, path: str) -> int:
        with self._lock:
            return self.hits[path]

    def start(self) -> LocalOrigin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, path: str) -> None:
        with self._lock:
            self.hits[path] += 1

    def answer_hooks(self, name: str, statuses: list[int]) -> None:
        with self._lock:
            self._hook_answers[name] = list(statuses)

    def hook_calls(self, name: str) -> list[HookCall]:
        with self._lock:
            return list(self._hook_calls.get(name, []))

    def _hook(self, name: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            answers = self._hook_answers.get(name) or []
            status = answers.pop(0) if answers else 200
            self._hook_calls.setdefault(name, []).append(HookCall(headers, body, status))
            return status


def _handler_for(origin: LocalOrigin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self):
            self.do_GET()

        def do_POST(self):
            url = urlsplit(self.path)
            origin._record(url.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not url.path.startswith("/hooks/"):
                return self._send(404, b"not found\n", "text/plain")
            status = origin._hook(url.path.removeprefix("/hooks/"), dict(self.headers.items()), body)
            self._send(status, f"status {status}\n".encode(), "text/plain")

        def do_GET(self):
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            origin._record(url.path)
            if url.path.startswith("/photos/"):
                self._photo(url.path.removeprefix("/photos/"))
            elif url.path.startswith("/status/"):
                code = int(url.path.removeprefix("/status/") or 500)
                self._send(code, f"status {code}\n".encode(), "text/plain")
            elif url.path == "/slow":
                time.sleep(float(query.get("seconds", ["6"])[0]))
                self._photo("grace_hopper.jpg")
            elif url.path == "/html":
                self._send(200, b"<!doctype html><title>Not an image</title><p>hello</p>", "text/html; charset=utf-8")
            elif url.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", query.get("to", ["/"])[0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif url.path == "/text-as-jpg":
                self._send(200, b"this is text, not a JPEG\n" * 20, "image/jpeg")
            elif url.path == "/trickle":
                self._trickle(float(query.get("seconds", ["4"])[0]))
            elif url.path == "/gzip-bomb":
                body = gzip.compress(bytes(int(query.get("bytes", [str(64 << 20)])[0])))
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif url.path == "/large":
                self._stream(int(query.get("bytes", [str(64 << 20)])[0]))
            else:
                self._send(404, b"not found\n", "text/plain")

        def _photo(self, name: str):
            path = origin.photos_dir / name
            if "/" in name or not path.is_file():
                return self._send(404, b"no such photo\n", "text/plain")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._send(200, path.read_bytes(), kind)

        def _send(self, code: int, body: bytes, content_type: str):
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _trickle(self, seconds: float):
            body = (origin.photos_dir / "grace_hopper.jpg").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            piece = len(body) // 20 + 1
            try:
                for start in range(0, len(body), piece):
                    self.wfile.write(body[start: start + piece])
                    self.wfile.flush()
                    time.sleep(seconds / 20)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up at its deadline: what the test wants

        def _stream(self, size: int):
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"\xff" * 65536
            try:
                for start in range(0, size, len(chunk)):
                    self.wfile.write(chunk[: size - start])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its size cap: what the test wants

        def log_message(self, format, *args):
            pass  # the hit counter is the record; keep the test output clean

    return Handler
