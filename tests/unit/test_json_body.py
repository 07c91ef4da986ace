"""JSON bodies parsed within a nesting bound (posecraft.http.json_body): no services."""
import json
import time

import pytest

from posecraft.http.json_body import MAX_JSON_DEPTH, InvalidJSONBody, parse_json_body


def nested(depth: int) -> bytes:
    return b'{"imageUrls": ' + b"[" * depth + b'"https://example.com/a.jpg"' + b"]" * depth + b"}"


def test_the_apis_own_bodies_are_parsed():
    body = b'{"imageUrls": ["https://example.com/a.jpg", "http://[2001:db8::1]/[1].jpg"]}'
    assert parse_json_body(body) == {"imageUrls": ["https://example.com/a.jpg", "http://[2001:db8::1]/[1].jpg"]}


def test_nesting_up_to_the_bound_is_parsed_and_one_level_more_is_refused():
    assert parse_json_body(nested(MAX_JSON_DEPTH - 1))
    with pytest.raises(InvalidJSONBody, match=f"more than {MAX_JSON_DEPTH} levels deep"):
        parse_json_body(nested(MAX_JSON_DEPTH))


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
                         ids=["unclosed", "closed", "objects"])
def test_a_body_nested_100000_deep_is_refused_with_a_reason_not_a_recursion_error(body):
    with pytest.raises(InvalidJSONBody, match="levels deep"):
        parse_json_body(body)


def test_brackets_inside_strings_do_not_count():
    body = b'{"imageUrls": ["' + b"[" * 1000 + b'\\"' + b"{" * 1000 + b'"]}'
    assert parse_json_body(body)["imageUrls"][0].startswith("[[[")


@pytest.mark.parametrize("body, reason", [(b"{", "Expecting property name"), (b"\xff", "utf-8"), (b"", "Expecting value")])
def test_a_body_that_is_not_json_says_so(body, reason):
    with pytest.raises(InvalidJSONBody, match=f"the body is not valid JSON: .*{reason}"):
        parse_json_body(body)


def test_measuring_a_wide_body_of_a_million_brackets_costs_less_than_parsing_it_twice():
    body = b"[" + b",".join([b"[[]]"] * 1_000_000) + b"]"
    started = time.perf_counter()
    json.loads(body)
    parse_alone = time.perf_counter() - started

    started = time.perf_counter()
    assert len(parse_json_body(body)) == 1_000_000
    measured_and_parsed = time.perf_counter() - started

    assert measured_and_parsed < 3 * parse_alone, (measured_and_parsed, parse_alone)
