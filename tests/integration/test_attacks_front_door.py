"""Attacks on the front door, tried as an attacker would against the real nginx and gunicorn of the stack (every
target on loopback): a slow-header flood, slow bodies, a burst of submissions, malformed requests at the edges of
HTTP, signed S3 requests through /media, and a page and stored files that must never run as script.

The attacker talks from another loopback address (127.0.0.2, .3, ...: all of 127.0.0.0/8 is this machine), so nginx
sees it as another client than the probes from 127.0.0.1 that stand for everyone else.
"""
from __future__ import annotations

import http.client
import io
import resource
import socket
import threading
import time

import pytest
import requests
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from support.images import PHOTOS

from posecraft.records import MediaLinks
from posecraft.stores.storage import Storage


def nginx_port(system) -> int:
    return system.ports.nginx


def attacker_socket(system, source: str) -> socket.socket:
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(5)
    sock.connect(("127.0.0.1", nginx_port(system)))
    return sock


def raw_request(system, request: bytes, source: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library tidies them up); the status, headers and body nginx answers."""
    with attacker_socket(system, source) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def get(path: bytes, extra_headers: bytes = b"") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: posecraft.test\r\nConnection: close\r\n" + extra_headers + b"\r\n"


class Probes:
    """A client on 127.0.0.1 asking /healthz four times a second while an attack runs: what everyone else gets."""

    def __init__(self, system):
        self.port = nginx_port(system)
        self.answers: list[tuple[object, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                status: object = connection.getresponse().status
                connection.close()
            except OSError as error:
                status = type(error).__name__
            self.answers.append((status, time.monotonic() - started))
            self._stop.wait(0.25)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def failed(self):
        return [status for status, _ in self.answers if status != 200]

    @property
    def slowest(self) -> float:
        return max(seconds for _, seconds in self.answers)


@pytest.fixture
def open_files_for_a_flood():
    """Room for this process's side of 1500 connections (nginx's side is sized by the dev stack)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"the open-files limit ({hard}) is too low to hold 1500 connections")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(4096, hard)), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def closed_by_peer(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True  # reset: nginx drops a timed-out client with a reset
    finally:
        sock.setblocking(True)


# --- one noisy client ----------------------------------------------------------------------------------------


def test_a_slow_header_flood_from_one_address_is_dropped_in_time_while_other_clients_are_answered(
        system, open_files_for_a_flood):
    # Before: nginx had one worker of 1024 connections; 1100 such connections (reopened as nginx dropped them)
    # left 8 of 300 probes answered. Each connection sends an unfinished request and a header line every 2 s.
    timeout = system.settings.client_timeout
    flood = [attacker_socket(system, "127.0.0.2") for _ in range(1500)]
    try:
        for sock in flood:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: posecraft.test\r\n")
        opened = time.monotonic()
        with Probes(system) as probes:
            while time.monotonic() - opened < timeout + 3:
                time.sleep(2)
                for sock in flood:
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass  # already dropped
        still_open = [sock for sock in flood if not closed_by_peer(sock)]
    finally:
        for sock in flood:
            sock.close()

    assert len(probes.answers) >= 4 * timeout
    assert probes.failed == []
    assert probes.slowest < 2.0
    # However slowly it trickles its headers in, each connection is dropped once client_timeout has passed.
    assert still_open == []


def test_slow_bodies_from_one_address_are_capped_at_its_share_and_dropped_when_they_stall(system):
    limit = system.settings.client_connections
    timeout = system.settings.client_timeout
    head = (b"POST /api/process HTTP/1.1\r\nHost: posecraft.test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n{")
    slow = []
    refused = []
    try:
        for _ in range(limit + 10):
            sock = attacker_socket(system, "127.0.0.3")
            sock.sendall(head)
            slow.append(sock)
        time.sleep(1)
        for sock in slow:
            sock.setblocking(False)
            try:
                answer = sock.recv(65536)
            except BlockingIOError:
                continue
            finally:
                sock.setblocking(True)
            refused.append(answer)
        with Probes(system) as probes:
            # The ones let in send nothing more: each is dropped client_timeout after its last byte.
            time.sleep(timeout + 2)
        held = [sock for sock in slow if not closed_by_peer(sock)]
    finally:
        for sock in slow:
            sock.close()

    assert len(refused) == 10
    for answer in refused:
        assert answer.startswith(b"HTTP/1.1 429")
        assert b"application/json" in answer and b"too many requests from your address" in answer
    assert probes.failed == [] and probes.slowest < 2.0
    assert held == []


def test_a_burst_of_submissions_over_the_rate_is_answered_429_json_and_other_addresses_are_not_slowed(system):
    burst = system.settings.client_submits_per_minute
    statuses = []
    refusal = None
    connection = http.client.HTTPConnection("127.0.0.1", nginx_port(system), timeout=10,
                                            source_address=("127.0.0.4", 0))
    try:
        # A cheap request the ingest service refuses at once (415): the point is how many nginx lets through.
        for _ in range(burst + 100):
            connection.request("POST", "/api/process-batch", body=b"x", headers={"Content-Type": "text/plain"})
            response = connection.getresponse()
            body = response.read()
            statuses.append(response.status)
            if response.status == 429 and refusal is None:
                refusal = (response.getheader("Content-Type"), response.getheader("Retry-After"), body)
            if statuses.count(429) >= 20:
                break
    finally:
        connection.close()
    other = requests.post(f"{system.base_url}/api/process-batch", data=b"x",
                          headers={"Content-Type": "text/plain"}, timeout=10)

    assert statuses[:burst] == [415] * burst
    assert statuses.count(429) >= 20
    content_type, retry_after, body = refusal
    assert content_type == "application/json" and retry_after == "1"
    assert b"too many requests from your address" in body
    assert other.status_code == 415


# --- malformed requests: JSON from nginx, never an HTML page ---------------------------------------------------

MALFORMED = {
    # Before: 500 HTML ("empty URI in redirect to named location") for the first four.
    "..%2f above the root": (get(b"/api/..%2f..%2fhealthz"), 400),
    "%00 in an API path": (get(b"/api/image-status/1%00"), 400),
    "%00 in a media path": (get(b"/media/posecraft/a%00.jpg"), 400),
    "not HTTP at all": (b"\x16\x03\x01\x02\x00garbage\r\n\r\n", 400),
    # Before: 414 HTML from gunicorn (over its 4 KB) or from nginx (over 8 KB).
    "a 5 KB URI": (get(b"/api/openapi.json?" + b"a" * 5000), 200),
    "a 9 KB URI": (get(b"/api/image-status/" + b"1" * 9000), 414),
    # Before: 400 HTML from nginx.
    "a 16 KB cookie": (get(b"/api/image-status/1", b"Cookie: a=" + b"x" * 16384 + b"\r\n"), 431),
    # Before: 431 HTML from gunicorn (over its 100 header lines); nginx bounds the headers by size instead.
    "105 header lines": (get(b"/api/openapi.json", b"".join(b"X-H%d: v\r\n" % i for i in range(105))), 200),
    "a 30-letter method": (b"ABCDEFGHIJKLMNOPQRSTUVWXYZABCD /api/process HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                           405),
    # Before: a JSON body sent as image/jpeg (the type of the path's extension).
    "a missing .jpg": (get(b"/media/posecraft/views/0/neck.jpg"), 404),
}


@pytest.mark.parametrize("request_bytes, status", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_request_is_answered_with_json_and_a_fitting_status(system, request_bytes, status):
    answered, headers, body = raw_request(system, request_bytes)

    assert answered == status, body
    assert headers["content-type"].startswith("application/json")
    assert headers["x-content-type-options"] == "nosniff"
    assert not body.lstrip().startswith(b"<")
    if status >= 400:
        assert b'"error"' in body


# --- /media: one object by a plain GET, nothing else -----------------------------------------------------------


def signed_through_media(system, method: str, path: str, query: str = "") -> str:
    """A presigned S3 URL made with the stack's own key, addressed to /media: what an attacker holding the key
    (a documented default) sends. Signed for the Host nginx sends to S3 (the upstream block's name)."""
    host = "posecraft_s3"
    request = AWSRequest(method=method, url=f"http://{host}{path}" + (f"?{query}" if query else ""),
                         headers={"Host": host})
    credentials = Credentials(system.settings.s3_access_key, system.settings.s3_secret_key)
    S3SigV4QueryAuth(credentials, "s3", system.settings.s3_region, expires=300).add_auth(request)
    return system.base_url + "/media" + request.url.split(host, 1)[1]


def test_signed_s3_requests_through_media_are_refused_and_only_plain_object_reads_pass(system):
    bucket = system.settings.s3_bucket
    storage = Storage.from_settings(system.settings)
    storage.put("views/attack-test/neck.jpg", b"\xff\xd8 a view", "image/jpeg")
    url = MediaLinks.from_settings(system.settings).url("views/attack-test/neck.jpg")

    signed = {
        # Before: 200 with the bucket's listing, its policy, the list of buckets.
        "ListObjectsV2": signed_through_media(system, "GET", f"/{bucket}", "list-type=2"),
        "GetBucketPolicy": signed_through_media(system, "GET", f"/{bucket}", "policy="),
        "ListBuckets": signed_through_media(system, "GET", "/"),
        "GetObjectAcl": signed_through_media(system, "GET", f"/{bucket}/views/attack-test/neck.jpg", "acl="),
        "a signed GetObject": signed_through_media(system, "GET", f"/{bucket}/views/attack-test/neck.jpg"),
        "unsigned list-type": f"{system.base_url}/media/{bucket}?list-type=2",
        "the bucket": f"{system.base_url}/media/{bucket}/",
        "the buckets": f"{system.base_url}/media/",
    }
    answers = {name: requests.get(address, timeout=5) for name, address in signed.items()}
    other_bucket = requests.get(f"{system.base_url}/media/other-bucket/views/attack-test/neck.jpg", timeout=5)
    plain = requests.get(url, timeout=5)

    for name, response in answers.items():
        assert response.status_code == 403, name
        assert response.headers["Content-Type"] == "application/json", name
        assert "no query string" in response.json()["error"], name
    assert other_bucket.status_code == 404 and "error" in other_bucket.json()
    assert plain.status_code == 200 and plain.content == b"\xff\xd8 a view"


def test_a_jpeg_with_html_appended_is_served_as_a_jpeg_attachment_that_cannot_run_script(system):
    polyglot = (PHOTOS / "bus.jpg").read_bytes() + b"<html><script>alert(document.domain)</script></html>"
    submitted = requests.post(f"{system.base_url}/api/process",
                              files={"file": ("bus.html", io.BytesIO(polyglot), "text/html")}, timeout=30)
    assert submitted.status_code == 202
    original = requests.get(submitted.json()["url"], timeout=5)

    assert original.status_code == 200 and original.content == polyglot
    # Before: image/jpeg with no nosniff and no policy, opened as a page of the app's own origin.
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    assert original.headers["Content-Disposition"] == "attachment"
    assert original.headers["Content-Security-Policy"].startswith("sandbox")


def test_views_are_shown_inline_but_sandboxed_and_never_sniffed(system):
    storage = Storage.from_settings(system.settings)
    storage.put("views/attack-test/zoom.jpg", (PHOTOS / "bus.jpg").read_bytes(), "image/jpeg")
    url = MediaLinks.from_settings(system.settings).url("views/attack-test/zoom.jpg")

    view = requests.get(url, timeout=5)

    assert view.status_code == 200 and view.headers["Content-Type"] == "image/jpeg"
    assert "Content-Disposition" not in view.headers
    assert view.headers["X-Content-Type-Options"] == "nosniff"
    assert view.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_every_kind_of_answer_says_nosniff_and_the_page_runs_only_its_own_scripts(system):
    answers = {
        "page": requests.get(f"{system.base_url}/", timeout=5),
        "app route": requests.get(f"{system.base_url}/images/7", timeout=5),
        "api": requests.get(f"{system.base_url}/api/openapi.json", timeout=5),
        "api error": requests.get(f"{system.base_url}/api/image-status/abc", timeout=5),
        "nginx error": requests.delete(f"{system.base_url}/media/posecraft/x.jpg", timeout=5),
        "health": requests.get(f"{system.base_url}/healthz", timeout=5),
    }

    for name, response in answers.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
    policy = answers["page"].headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert answers["app route"].headers["Content-Security-Policy"] == policy
