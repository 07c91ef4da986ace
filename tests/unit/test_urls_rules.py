"""Submit-time URL rules and the address check the worker's fetcher shares (no connections are made)."""
import pytest

from posecraft.config import Settings
from posecraft.errors import InvalidURL, UnsafeURL
from posecraft.urls import check_address, check_submitted_url, is_public_address, literal_address

SETTINGS = Settings()


@pytest.mark.parametrize("url", [
    "https://example.com/photo.jpg",
    "http://cdn.example.com:80/a/b.png?size=large#top",
    "https://93.184.216.34/image.webp",
    "https://[2606:2800:220:1:248:1893:25c8:1946]/x.jpg",
])
def test_public_http_urls_are_accepted_unchanged(url):
    assert check_submitted_url(url, SETTINGS) == url


def test_surrounding_spaces_are_removed_before_recording():
    assert check_submitted_url("  https://example.com/a.jpg\n", SETTINGS) == "https://example.com/a.jpg"


@pytest.mark.parametrize("url, reason", [
    ("ftp://example.com/a.jpg", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http:///a.jpg", "no host"),
    ("https://", "no host"),
    ("/images/a.jpg", "must be absolute"),
    ("example.com/a.jpg", "must be absolute"),
    ("", "empty"),
    ("   ", "empty"),
    ("https://example.com/" + "a" * 3000, "3020 characters long; at most 2048"),
    ("https://example.com/a b.jpg", "spaces or control characters"),
    ("https://example.com:99999/a.jpg", "cannot be parsed"),
    ("https://[::1/a.jpg", "cannot be parsed"),
])
def test_malformed_urls_are_refused_with_the_reason(url, reason):
    with pytest.raises(InvalidURL, match=reason):
        check_submitted_url(url, SETTINGS)


@pytest.mark.parametrize("value, reason", [(42, "a number"), (None, "null"), (["x"], "an array"), ({}, "an object")])
def test_a_url_that_is_not_a_string_is_refused(value, reason):
    with pytest.raises(InvalidURL, match=f"must be a string, not {reason}"):
        check_submitted_url(value, SETTINGS)


def test_the_url_length_limit_comes_from_settings():
    url = "https://example.com/" + "a" * 80
    assert check_submitted_url(url, SETTINGS) == url
    with pytest.raises(InvalidURL, match="at most 50"):
        check_submitted_url(url, Settings(max_url_length=50))


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1/a.jpg", "loopback"),
    ("http://127.1/a.jpg", "loopback"),
    ("http://2130706433/a.jpg", "loopback"),
    ("http://0x7f000001/a.jpg", "loopback"),
    ("http://localhost/a.jpg", "loopback"),
    ("http://images.localhost/a.jpg", "loopback"),
    ("http://[::1]/a.jpg", "loopback"),
    ("http://[::ffff:127.0.0.1]/a.jpg", "loopback"),
    ("http://10.0.0.5/a.jpg", "private"),
    ("http://172.16.3.4/a.jpg", "private"),
    ("http://192.168.1.1/a.jpg", "private"),
    ("http://[fc00::1]/a.jpg", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/a.jpg", "link-local"),
    ("http://100.64.0.1/a.jpg", "carrier-grade NAT"),
    ("http://224.0.0.1/a.jpg", "multicast"),
    ("http://0.0.0.0/a.jpg", "unspecified"),
    ("http://[2002:7f00:1::]/a.jpg", "loopback"),
    ("http://[64:ff9b::a00:1]/a.jpg", "private"),
    # Other spellings of the same hosts: they passed this check before, and failed only at fetch time.
    ("http://localhost./a.jpg", "loopback"),
    ("http://LOCALHOST../a.jpg", "loopback"),
    ("http://images.localhost./a.jpg", "loopback"),
    ("http://127.0.0.1./a.jpg", "loopback"),
    ("http://2130706433./a.jpg", "loopback"),
    ("http://0x7f.1./a.jpg", "loopback"),
    ("http://169.254.169.254./latest/meta-data/", "link-local"),
    ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/a.jpg", "loopback"),  # full-width letters
])
def test_literal_internal_addresses_are_refused_at_submit_time(url, kind):
    with pytest.raises(UnsafeURL, match=kind):
        check_submitted_url(url, SETTINGS)


def test_an_allowed_host_may_be_loopback_on_an_allowed_port():
    settings = Settings(fetch_allowed_hosts=("127.0.0.1",), fetch_allowed_ports=("8765",))
    assert check_submitted_url("http://127.0.0.1:8765/a.jpg", settings) == "http://127.0.0.1:8765/a.jpg"
    with pytest.raises(UnsafeURL, match="loopback"):
        check_submitted_url("http://127.0.0.2:8765/a.jpg", settings)


def test_non_default_ports_need_configuring():
    with pytest.raises(UnsafeURL, match="port 8080 is not allowed"):
        check_submitted_url("https://example.com:8080/a.jpg", SETTINGS)
    assert check_submitted_url("https://example.com:8080/a.jpg", Settings(fetch_allowed_ports=("8080",)))


@pytest.mark.parametrize("ip", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_are_public(ip):
    assert is_public_address(ip)


@pytest.mark.parametrize("ip", [
    "127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.100.100.100",
    "224.0.0.251", "255.255.255.255", "0.0.0.0", "240.0.0.1", "::1", "::", "fd00::1", "fe80::1", "ff02::1",
    "::ffff:10.0.0.1", "::ffff:169.254.169.254", "2001:0::1",
])
def test_internal_and_reserved_addresses_are_not_public(ip):
    assert not is_public_address(ip)


def test_fetch_time_check_names_the_host_and_the_address_it_resolved_to():
    with pytest.raises(UnsafeURL, match=r"internal\.example\.com \(10\.0\.0\.7\) is a private address"):
        check_address("internal.example.com", "10.0.0.7", SETTINGS)
    check_address("images.example.com", "93.184.216.34", SETTINGS)


def test_host_names_are_not_taken_for_addresses():
    assert literal_address("example.com") is None
    assert literal_address("cafe.example") is None
    assert literal_address("deadbeef") is None
    assert str(literal_address("0xdeadbeef")) == "222.173.190.239"
