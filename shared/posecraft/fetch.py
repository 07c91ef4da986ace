"""Fetching a user's image URL without letting it reach the network behind the service (SSRF).

Each hop of a fetch: the URL must be http(s); its host is resolved once; every address it resolves to must be
public unless the host is in `settings.fetch_allowed_hosts`, and its port the default or one in
`settings.fetch_allowed_ports` (`posecraft.urls.check_address` / `check_port`, shared with submit time). The
connection is then made to those checked addresses — never to a second DNS answer — while TLS still verifies
the certificate against the host name. Redirects are followed by hand, a few times, each hop checked the same way.

The body is read in chunks with a size cap and an overall deadline, and must be an image format Pillow
identifies; the full decode (and its pixel limit) happens later in the pipeline.
"""
from __future__ import annotations

import io
import socket
import sys
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from PIL import Image, UnidentifiedImageError
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, DecodeError, NewConnectionError, ProtocolError, ReadTimeoutError
from urllib3.util import connection as urllib3_connection

from posecraft.config import Settings
from posecraft.errors import FetchError, ImageTooLarge, UnsafeURL
from posecraft.urls import DEFAULT_PORTS, check_address, check_port

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# 408 and 429 say "try later"; every other 4xx will answer the same again.
TRANSIENT_CLIENT_STATUSES = {408, 429}
CHUNK_BYTES = 64 * 1024
USER_AGENT = "PoseCraft/0.1 (+image fetcher)"


@dataclass(frozen=True)
class FetchedImage:
    data: bytes
    content_type: str
    # After redirects: the address the bytes came from.
    final_url: str


@dataclass(frozen=True)
class CheckedTarget:
    """One hop that passed the checks: where to connect for this URL."""

    url: str
    host: str
    port: int
    addresses: tuple[str, ...]


def fetch_image(url: str, settings: Settings) -> FetchedImage:
    """Download the image at `url`; raises FetchError, UnsafeURL or ImageTooLarge with the reason."""
    deadline = time.monotonic() + settings.fetch_total_timeout
    current = url
    for _ in range(settings.fetch_max_redirects + 1):
        target = check_target(current, settings)
        with pinned_session(target) as session:
            response = _get(session, target, settings)
            with response:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(f"the URL answered {response.status_code} without a Location to follow")
                    current = urljoin(current, location)
                    continue
                _check_status(response.status_code)
                data = _read_body(response, settings, deadline)
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        _check_is_image(data, content_type)
        return FetchedImage(data=data, content_type=content_type, final_url=current)
    raise FetchError(f"the URL redirected more than {settings.fetch_max_redirects} times")


def pinned_session(target: CheckedTarget) -> requests.Session:
    """A session whose every connection goes to the checked addresses of `target` (no second DNS answer, no
    proxies from the environment, no .netrc); the webhooks POST through it too."""
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", _PinnedAdapter(target))
    session.mount("https://", _PinnedAdapter(target))
    return session


def check_target(url: str, settings: Settings) -> CheckedTarget:
    """Scheme, resolution, address and port checks for one hop; resolves the host exactly once."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsafeURL(f"only http and https URLs can be fetched, not {scheme or 'a URL without a scheme'}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeURL("the URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise UnsafeURL("the URL's port is not a number between 0 and 65535") from None
    addresses = _resolve(host, port)
    for address in addresses:
        check_address(host, address, settings)
    check_port(scheme, port, settings)
    return CheckedTarget(url=url, host=host, port=port, addresses=addresses)


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        # EAI_AGAIN is a DNS server that did not answer in time; anything else means no such host.
        transient = error.errno == socket.EAI_AGAIN
        raise FetchError(f"the host {host} could not be found", permanent=not transient) from None
    except UnicodeError:
        raise UnsafeURL(f"the host {host!r} is not a valid host name") from None
    # Keep resolver order (it encodes address preference), drop repeats and IPv6 scope ids.
    addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    if not addresses:
        raise FetchError(f"the host {host} could not be found")
    return addresses


def _get(session: requests.Session, target: CheckedTarget, settings: Settings) -> requests.Response:
    timeout = (settings.fetch_connect_timeout, settings.fetch_read_timeout)
    try:
        return session.get(
            target.url,
            stream=True,
            allow_redirects=False,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "image/*"},
        )
    except requests.exceptions.ConnectTimeout:
        raise FetchError(
            f"could not connect to {target.host} within {settings.fetch_connect_timeout:g} s", permanent=False
        ) from None
    except requests.exceptions.ReadTimeout:
        raise FetchError(f"the URL did not answer within {settings.fetch_read_timeout:g} s", permanent=False) from None
    except requests.exceptions.SSLError:
        raise FetchError(f"the TLS certificate of {target.host} could not be verified") from None
    except requests.exceptions.ConnectionError as error:
        raise FetchError(
            f"could not connect to {target.host}:{target.port} ({_root_cause(error)})", permanent=False
        ) from None
    except requests.exceptions.RequestException as error:
        raise FetchError(f"the URL could not be fetched ({_root_cause(error)})") from None


def _check_status(status: int) -> None:
    if 200 <= status < 300:
        return
    permanent = status < 500 and status not in TRANSIENT_CLIENT_STATUSES
    raise FetchError(f"the URL answered {status}", permanent=permanent)


def _read_body(response: requests.Response, settings: Settings, deadline: float) -> bytes:
    limit = settings.max_upload_bytes
    too_large = f"the image at the URL is larger than the {limit / 1024 / 1024:g} MB limit"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ImageTooLarge(too_large)
    body = bytearray()
    try:
        # read1 returns what one receive brought, so the deadline is checked however slowly bytes arrive; the
        # size is counted after Content-Encoding is undone, so a small gzip bomb is stopped too.
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
            body += chunk
            if len(body) > limit:
                raise ImageTooLarge(too_large)
            if time.monotonic() > deadline:
                raise FetchError(
                    f"the download took longer than {settings.fetch_total_timeout:g} s", permanent=False
                )
    except ReadTimeoutError:
        raise FetchError(f"the URL did not answer within {settings.fetch_read_timeout:g} s", permanent=False) from None
    except DecodeError:
        raise FetchError("the body could not be decompressed (a broken Content-Encoding)") from None
    except (ProtocolError, OSError) as error:
        raise FetchError(f"the download broke off ({_root_cause(error)})", permanent=False) from None
    if not body:
        raise FetchError("the URL answered with an empty body, not an image")
    return bytes(body)


def _check_is_image(data: bytes, content_type: str) -> None:
    try:
        Image.open(io.BytesIO(data)).close()
    except Image.DecompressionBombError:
        return  # an image, and too large: the pipeline's pixel limit gives that reason
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        if content_type.startswith("image/"):
            raise FetchError(f"not an image: the body sent as {content_type} does not decode as an image") from None
        raise FetchError(f"not an image: got {content_type or 'a body of no known image format'}") from None


def _root_cause(error: BaseException) -> str:
    cause: BaseException | None = error
    while cause is not None:
        error, cause = cause, cause.__cause__ or cause.__context__
    text = str(error)
    # urllib3 prefixes its messages with the connection object's repr.
    return text.split(": ", 1)[-1] if text.startswith("<") else text


class _PinnedAdapter(HTTPAdapter):
    """Makes every connection of this session go to the checked addresses of one host."""

    def __init__(self, target: CheckedTarget):
        self._target = target
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
        assert isinstance(pool, HTTPConnectionPool)  # requests types it as the base class
        if (pool.host.rstrip("."), pool.port) != (self._target.host, self._target.port):
            raise UnsafeURL(f"refused: a request for {pool.host} on a connection checked for {self._target.host}")
        pool.ConnectionCls = _PinnedHTTPSConnection if pool.scheme == "https" else _PinnedHTTPConnection
        pool.conn_kw["pinned_addresses"] = self._target.addresses
        return pool


class _PinnedHTTPConnection(HTTPConnection):
    """Connects to the pinned addresses instead of resolving the host again (TLS still checks the host name)."""

    def __init__(self, *args, pinned_addresses: tuple[str, ...], **kwargs):
        self._pinned_addresses = pinned_addresses
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        last_error: OSError | None = None
        for address in self._pinned_addresses:
            try:
                sock = urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as error:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from error
            except OSError as error:
                last_error = error
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last_error}") from last_error


class _PinnedHTTPSConnection(_PinnedHTTPConnection, HTTPSConnection):
    pass
