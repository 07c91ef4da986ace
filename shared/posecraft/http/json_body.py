"""A request's JSON body, parsed within a nesting bound.

`json.loads` recurses once per level of nesting: a body of 100 000 `[` raised RecursionError, which is not a
ValueError, so a route that catches ValueError answered it with a 500. `parse_json_body` measures the nesting of
the text first, at C speed, and refuses a body nested deeper than `MAX_JSON_DEPTH` (the API's own bodies nest two
levels: an object holding a list of strings) with a reason the route turns into a 400.
"""
from __future__ import annotations

import json
import re

MAX_JSON_DEPTH = 32

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_A_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")
# Both kinds of bracket as one, so that one replace of "[]" removes exactly one level.
_ONE_KIND = bytes.maketrans(b"{}", b"[]")


class InvalidJSONBody(ValueError):
    """A body that is not JSON or nests too deep; the message is the reason to show the client."""


def parse_json_body(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> object:
    if _nests_deeper(body, max_depth):
        raise InvalidJSONBody(f"the JSON body nests arrays and objects more than {max_depth} levels deep; "
                              "send a flat object")
    try:
        return json.loads(body)
    except ValueError as exc:  # JSONDecodeError, and UnicodeDecodeError for bytes that are not UTF-8
        raise InvalidJSONBody(f"the body is not valid JSON: {exc}") from None


def _nests_deeper(body: bytes, max_depth: int) -> bool:
    """Whether the brackets outside strings nest deeper than max_depth. Each pass removes the pairs that are
    empty when it starts, one level; whatever is left after max_depth passes nests deeper (or never closes)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False  # every body the API takes: no pass needed
    brackets = _STRING.sub(b"", body).translate(_ONE_KIND, _NOT_A_BRACKET)
    for passes_left in range(max_depth, 0, -1):
        if len(brackets) <= 2 * passes_left:
            return False  # too few brackets left to nest deeper than the passes still to come
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return True  # brackets that never close: not JSON, and not to be handed to the parser
        brackets = shorter
    return bool(brackets)
