"""Every PoseCraft error: each carries a reason a person can act on.

`permanent` tells the worker whether trying again can help: a URL that answers 404 or bytes that are not
an image fail at once; a timeout or an unavailable store is retried with backoff. The HTTP status of each class
is in one mapping, `posecraft.http.web.HTTP_STATUS`, looked up along the class's MRO.
"""
from __future__ import annotations

import functools
from collections.abc import Callable


class PoseCraftError(Exception):
    permanent = True

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InvalidImage(PoseCraftError):
    """The bytes do not decode as a supported image (or are truncated, empty, ...)."""


class UnsupportedImage(InvalidImage):
    """Not an image in a supported format (its header does not decode)."""


class UnusableImage(InvalidImage):
    """A supported image whose pixel data does not decode (truncated, damaged)."""


class ImageTooLarge(PoseCraftError):
    """Over the byte or pixel limit."""


class NoPersonFound(PoseCraftError):
    def __init__(self, reason: str = "no person found in the image"):
        super().__init__(reason)


class ModelsMissing(PoseCraftError):
    """The pose model files are not installed (the reason names the command that installs them)."""


class FetchError(PoseCraftError):
    """A user URL could not be fetched; `permanent` is False for timeouts and 5xx answers."""

    def __init__(self, reason: str, permanent: bool = True):
        super().__init__(reason)
        self.permanent = permanent


class InvalidURL(PoseCraftError):
    """A submitted URL that is not an absolute http(s) URL with a host, or is too long."""


class UnsafeURL(PoseCraftError):
    """A URL that points inside the network (loopback, private ranges, metadata...)."""


class InvalidBatch(PoseCraftError):
    """A batch refused as a whole; `invalid` lists each bad URL with its reason."""

    def __init__(self, reason: str, invalid: list[dict] | None = None):
        super().__init__(reason)
        self.invalid = invalid or []


class MalformedRequest(PoseCraftError):
    """A request the API cannot read: bad JSON, a wrong or missing field, a bad id or parameter."""


class UnknownPreset(MalformedRequest):
    """A submission naming an output preset that does not exist (the reason lists those that do)."""


class ImageNotFound(PoseCraftError):
    """No image record has the id asked for."""


class NotAuthenticated(PoseCraftError):
    """No API key or session, or one that is wrong, revoked or expired."""


class Forbidden(PoseCraftError):
    """A request the credentials it carries may not make (a cross-site request riding the session cookie)."""


class UnsupportedContentType(PoseCraftError):
    """A request body of a Content-Type the endpoint does not take."""


class ServiceUnavailable(PoseCraftError):
    """MongoDB, Redis or S3 cannot be reached: a 503 for the API, a retry for the worker."""

    permanent = False


def unavailable_when(service: str, unreachable: Callable[[BaseException], str | None]):
    """Decorator for a store's methods: an error that `unreachable` explains (it returns the detail, or None for an
    error that is not an outage) becomes ServiceUnavailable("<service> is unavailable: <detail>") — a 503 for the
    API, a wait or a retry for the worker. Other errors pass through unchanged."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except Exception as exc:
                detail = unreachable(exc)
                if detail is None:
                    raise
                raise ServiceUnavailable(f"{service} is unavailable: {detail}") from exc

        return wrapper

    return decorate


class ImagePending(PoseCraftError):
    """The image is pending: an action that needs it processed or failed (processing it again) must wait."""


class NoViews(PoseCraftError):
    """The image has no views to download (it is pending, or it failed)."""
