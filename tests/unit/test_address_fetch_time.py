"""The fetch-time address check, on every range the fetcher must never connect to (no connection is made:
resolving a literal address or "localhost" asks no server)."""
from __future__ import annotations

import pytest

from posecraft.config import Settings
from posecraft.errors import UnsafeURL
from posecraft.fetch import check_target

PRODUCTION = Settings()


@pytest.mark.parametrize("host, kind", [
    ("localhost", "loopback"),
    ("127.0.0.1", "loopback"),
    ("127.1", "loopback"),
    ("2130706433", "loopback"),
    ("[::1]", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.254", "private"),
    ("192.168.0.10", "private"),
    ("[fd12:3456::1]", "private"),
    ("[::ffff:10.0.0.1]", "private"),
    ("169.254.169.254", "link-local"),
    ("[fe80::1]", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("224.0.0.251", "multicast"),
    ("[ff02::1]", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("[::]", "unspecified"),
])
def test_internal_addresses_are_refused_at_fetch_time(host, kind):
    with pytest.raises(UnsafeURL, match=f"is a {kind}"):
        check_target(f"http://{host}/photo.jpg", PRODUCTION)


@pytest.mark.parametrize("url, addresses", [
    ("https://93.184.216.34/photo.jpg", ("93.184.216.34",)),
    ("http://[2606:4700::6810:84e5]/photo.jpg", ("2606:4700::6810:84e5",)),
])
def test_a_public_address_passes_and_is_the_one_connected_to(url, addresses):
    target = check_target(url, PRODUCTION)

    assert target.addresses == addresses
    assert target.port in (80, 443)


def test_the_allow_list_exempts_only_the_host_it_names():
    settings = Settings(fetch_allowed_hosts=("localhost",))

    assert check_target("http://localhost/photo.jpg", settings).addresses[0] in {"127.0.0.1", "::1"}
    with pytest.raises(UnsafeURL, match="loopback"):
        check_target("http://127.0.0.1/photo.jpg", settings)


def test_a_non_default_port_needs_configuring_even_on_a_public_address():
    with pytest.raises(UnsafeURL, match="port 8080 is not allowed"):
        check_target("http://93.184.216.34:8080/photo.jpg", PRODUCTION)

    assert check_target("http://93.184.216.34:8080/photo.jpg", Settings(fetch_allowed_ports=("8080",))).port == 8080
