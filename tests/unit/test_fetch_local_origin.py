"""Fetching user URLs from the local origin: what comes back, and the reason when nothing usable does.

Only loopback connections are made (the test's own origin on 127.0.0.1); the refusal of every other address
range is tested on the address check itself in test_address_fetch_time.py.
"""
from __future__ import annotations

import dataclasses
import socket
import time
from urllib.parse import quote

import pytest
from support.images import PHOTOS

from posecraft.config import Settings
from posecraft.errors import FetchError, ImageTooLarge, UnsafeURL
from posecraft.fetch import fetch_image


@pytest.fixture(scope="module")
def allowed(local_origin) -> Settings:
    """Settings that let the fetcher reach the local origin, with short timeouts."""
    return Settings(
        fetch_allowed_hosts=(local_origin.host,),
        fetch_allowed_ports=(str(local_origin.port),),
        fetch_connect_timeout=1.0,
        fetch_read_timeout=1.0,
    )


def _redirect(local_origin, to: str) -> str:
    return local_origin.url(f"redirect?to={quote(to, safe='')}")


def test_a_photo_comes_back_byte_for_byte_with_its_content_type(local_origin, allowed):
    fetched = fetch_image(local_origin.photo_url("bus.jpg"), allowed)

    assert fetched.data == (PHOTOS / "bus.jpg").read_bytes()
    assert fetched.content_type == "image/jpeg"


def test_a_redirect_is_followed_to_the_photo(local_origin, allowed):
    target = local_origin.photo_url("astronaut.png")

    fetched = fetch_image(_redirect(local_origin, target), allowed)

    assert fetched.data == (PHOTOS / "astronaut.png").read_bytes()
    assert fetched.final_url == target


def test_more_redirects_than_allowed_fail_without_fetching_the_end(local_origin, allowed):
    url = local_origin.photo_url("messi5.jpg")
    for _ in range(allowed.fetch_max_redirects + 1):
        url = _redirect(local_origin, url)
    before = local_origin.count("/photos/messi5.jpg")

    with pytest.raises(FetchError, match=f"redirected more than {allowed.fetch_max_redirects} times") as error:
        fetch_image(url, allowed)

    assert error.value.permanent
    assert local_origin.count("/photos/messi5.jpg") == before


def test_loopback_is_refused_without_the_allow_list_and_nothing_is_requested(local_origin, allowed):
    no_allow_list = dataclasses.replace(allowed, fetch_allowed_hosts=())
    before = local_origin.count("/photos/bus.jpg")

    with pytest.raises(UnsafeURL, match="127.0.0.1 is a loopback address; only public internet addresses"):
        fetch_image(local_origin.photo_url("bus.jpg"), no_allow_list)

    assert local_origin.count("/photos/bus.jpg") == before


def test_a_redirect_to_loopback_is_refused_even_from_an_allowed_host(local_origin, allowed):
    # "localhost" is allowed, 127.0.0.1 is not: the first hop is fetched, the hop it redirects to is refused.
    only_localhost = dataclasses.replace(allowed, fetch_allowed_hosts=("localhost",))
    start = f"http://localhost:{local_origin.port}/redirect?to=" + quote(local_origin.photo_url("grace_hopper.jpg"))
    redirects, photos = local_origin.count("/redirect"), local_origin.count("/photos/grace_hopper.jpg")

    with pytest.raises(UnsafeURL, match="127.0.0.1 is a loopback address"):
        fetch_image(start, only_localhost)

    assert local_origin.count("/redirect") == redirects + 1
    assert local_origin.count("/photos/grace_hopper.jpg") == photos


def test_a_port_that_is_not_configured_is_refused(local_origin, allowed):
    with pytest.raises(UnsafeURL, match=f"port {local_origin.port} is not allowed"):
        fetch_image(local_origin.photo_url("bus.jpg"), dataclasses.replace(allowed, fetch_allowed_ports=()))


@pytest.mark.parametrize("url, reason", [
    ("ftp://127.0.0.1/bus.jpg", "only http and https URLs can be fetched, not ftp"),
    ("http:///bus.jpg", "the URL has no host"),
])
def test_urls_that_are_not_http_with_a_host_are_refused(allowed, url, reason):
    with pytest.raises(UnsafeURL, match=reason):
        fetch_image(url, allowed)


@pytest.mark.parametrize("code, permanent", [(404, True), (403, True), (410, True), (429, False), (500, False),
                                             (503, False)])
def test_an_error_status_fails_with_the_code_and_only_5xx_and_429_may_be_retried(local_origin, allowed, code,
                                                                                  permanent):
    with pytest.raises(FetchError, match=f"^the URL answered {code}$") as error:
        fetch_image(local_origin.url(f"status/{code}"), allowed)

    assert error.value.permanent is permanent


def test_a_url_that_hangs_past_the_read_timeout_fails_as_retryable(local_origin, allowed):
    with pytest.raises(FetchError, match="^the URL did not answer within 1 s$") as error:
        fetch_image(local_origin.url("slow?seconds=3"), allowed)

    assert not error.value.permanent


def test_an_html_page_is_not_an_image(local_origin, allowed):
    with pytest.raises(FetchError, match="^not an image: got text/html$") as error:
        fetch_image(local_origin.url("html"), allowed)

    assert error.value.permanent


def test_text_labelled_as_a_jpeg_is_judged_by_its_bytes(local_origin, allowed):
    with pytest.raises(FetchError, match="sent as image/jpeg does not decode as an image"):
        fetch_image(local_origin.url("text-as-jpg"), allowed)


def test_a_body_over_the_size_limit_is_cut_off_while_streaming(local_origin, allowed):
    small_limit = dataclasses.replace(allowed, max_upload_bytes=1024 * 1024)

    with pytest.raises(ImageTooLarge, match="larger than the 1 MB limit"):
        fetch_image(local_origin.url(f"large?bytes={64 << 20}"), small_limit)


def test_a_declared_length_over_the_limit_is_refused_before_reading(local_origin, allowed):
    tiny_limit = dataclasses.replace(allowed, max_upload_bytes=10_000)

    with pytest.raises(ImageTooLarge, match="larger than the"):
        fetch_image(local_origin.photo_url("bus.jpg"), tiny_limit)


def test_a_closed_port_fails_as_retryable_with_the_reason(allowed):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # free now, and nothing listens on it
    settings = dataclasses.replace(allowed, fetch_allowed_ports=(str(port),))

    with pytest.raises(FetchError, match=f"could not connect to 127.0.0.1:{port} .*refused") as error:
        fetch_image(f"http://127.0.0.1:{port}/bus.jpg", settings)

    assert not error.value.permanent


def test_the_connection_goes_to_the_address_checked_not_a_second_dns_answer(local_origin, allowed, monkeypatch):
    """DNS rebinding: a name that answers a checked address first and an internal one afterwards."""
    answers = {"first": "127.0.0.1", "later": "10.255.255.1"}
    asked = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_resolver(host, port, *args, **kwargs):
        if host != "images.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        asked.append(host)
        address = answers["first"] if len(asked) == 1 else answers["later"]
        return real_getaddrinfo(address, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_resolver)
    settings = dataclasses.replace(allowed, fetch_allowed_hosts=("images.example",))

    fetched = fetch_image(f"http://images.example:{local_origin.port}/photos/bus.jpg", settings)

    assert fetched.data == (PHOTOS / "bus.jpg").read_bytes()
    assert asked == ["images.example"]


def test_a_body_that_trickles_in_past_the_overall_deadline_fails_as_retryable(local_origin, allowed):
    # Every piece arrives well inside the 1 s read timeout; the whole would take 15 s.
    short_deadline = dataclasses.replace(allowed, fetch_total_timeout=1.5)
    started = time.monotonic()

    with pytest.raises(FetchError, match="^the download took longer than 1.5 s$") as error:
        fetch_image(local_origin.url("trickle?seconds=15"), short_deadline)

    assert time.monotonic() - started < 5, "the fetch waited for the whole body instead of stopping at its deadline"
    assert not error.value.permanent
    assert fetch_image(local_origin.url("trickle?seconds=0.5"), short_deadline).content_type == "image/jpeg"


def test_a_body_that_stalls_longer_than_the_read_timeout_fails_as_retryable(local_origin, allowed):
    # 20 pieces over 40 s: 2 s between pieces, past the 1 s read timeout.
    with pytest.raises(FetchError, match="^the URL did not answer within 1 s$") as error:
        fetch_image(local_origin.url("trickle?seconds=40"), allowed)

    assert not error.value.permanent


def test_a_small_gzip_body_that_inflates_past_the_size_limit_is_cut_off(local_origin, allowed):
    small_limit = dataclasses.replace(allowed, max_upload_bytes=1024 * 1024)

    with pytest.raises(ImageTooLarge, match="larger than the 1 MB limit"):
        fetch_image(local_origin.url(f"gzip-bomb?bytes={4 << 20}"), small_limit)
