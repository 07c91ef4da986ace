"""Rules for user URLs, shared by submit time (the ingest API) and fetch time (the worker's posecraft.fetch).

At submit time only what the URL itself says can be judged: scheme, host, length, port, and a host that is a
literal address. Names are resolved at fetch time, where every resolved address (and every redirect hop) goes
through the same `check_address`.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from posecraft.config import Settings
from posecraft.errors import InvalidURL, UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def address_kind(ip: IPAddress) -> str | None:
    """Why `ip` is not a public internet address ("loopback", "private", ...), or None if it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if embedded is not None:
            return address_kind(embedded)
        if ip.teredo:
            return "Teredo tunnel"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (includes cloud metadata)"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT"
    if ip.is_private:
        return "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def is_public_address(ip: IPAddress | str) -> bool:
    return address_kind(ipaddress.ip_address(ip)) is None


def host_is_allowed(host: str, settings: Settings) -> bool:
    """Hosts exempt from the address refusal (the test suite's local origin); none in production."""
    return host.lower() in {h.lower() for h in settings.fetch_allowed_hosts}


def check_address(host: str, ip: IPAddress | str, settings: Settings) -> None:
    """Refuse a connection to `ip` (what `host` resolved to) unless it is public or `host` is allowed."""
    if host_is_allowed(host, settings):
        return
    kind = address_kind(ipaddress.ip_address(ip))
    if kind is not None:
        shown = host if host == str(ip) else f"{host} ({ip})"
        raise UnsafeURL(f"{shown} is a {kind} address; only public internet addresses can be fetched")


def check_port(scheme: str, port: int | None, settings: Settings) -> None:
    if port is None or port == DEFAULT_PORTS[scheme]:
        return
    if str(port) not in settings.fetch_allowed_ports:
        raise UnsafeURL(f"port {port} is not allowed; use the default port for {scheme} ({DEFAULT_PORTS[scheme]})")


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, including the short and numeric IPv4 forms resolvers accept
    ("127.1", "2130706433", "0x7f.0.0.1"), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if all(c in "0123456789abcdefxABCDEFX." for c in host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def canonical_host(host: str) -> str:
    """The host as a resolver sees it, so that other spellings of a refused host are refused too: no trailing dots
    ("localhost.", "127.0.0.1." name the same host) and, for a non-ASCII name, its IDNA form (full-width
    "ｌｏｃａｌｈｏｓｔ" is "localhost"). `urlsplit` has already lowered the case."""
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # not a valid name: fetching it fails on its own
    return host


def check_submitted_url(url: object, settings: Settings) -> str:
    """The URL a user submitted, as it will be recorded (surrounding spaces removed), or InvalidURL / UnsafeURL."""
    if not isinstance(url, str):
        raise InvalidURL(f"a URL must be a string, not {_json_type(url)}")
    url = url.strip()
    if not url:
        raise InvalidURL("the URL is empty")
    if len(url) > settings.max_url_length:
        raise InvalidURL(f"the URL is {len(url)} characters long; at most {settings.max_url_length} are accepted")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidURL("the URL contains spaces or control characters; percent-encode them")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"the URL cannot be parsed: {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidURL("the URL must be absolute, starting with http:// or https://")
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"only http and https URLs can be fetched, not {scheme}:")
    host = canonical_host(parts.hostname or "")
    if not host:
        raise InvalidURL("the URL has no host")
    if not host_is_allowed(host, settings):
        if host == "localhost" or host.endswith(".localhost"):
            raise UnsafeURL(f"{host} is a loopback address; only public internet addresses can be fetched")
        ip = literal_address(host)
        if ip is not None:
            check_address(host, ip, settings)
    check_port(scheme, port, settings)
    return url


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", int: "a number", float: "a number",
            type(None): "null"}.get(type(value), type(value).__name__)
