"""Who may use the API: API keys (only their hash is stored), signed sessions for the page, and the check every
/api request passes when `auth_required` is on.

- A key is `pck_` and 32 random bytes in URL-safe base64 (256 bits). `posecraft keys create NAME` makes one; the
  key store (`posecraft.stores.keys.ApiKeyRepository`) keeps its SHA-256, name, creation and last use.
- A client sends it as `Authorization: Bearer <key>` or `X-API-Key: <key>`. The page signs in once
  (`POST /api/session {"key"}`) and then rides an HttpOnly, SameSite=Strict cookie holding a session signed with
  a secret the key store keeps (so every process, however many, verifies the same signatures).
- A revoked key, and every session made with it, is refused within `CACHE_SECONDS`: lookups are cached that long.
- A state-changing request that carries only the cookie must come from the page's own origin (`Sec-Fetch-Site`,
  else `Origin`): another site cannot make a team member's browser submit or delete. Clients on other origins
  (the CORS setting) use keys, which a browser never sends by itself.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from posecraft.errors import Forbidden, NotAuthenticated
from posecraft.stores.keys import ApiKey, key_hash

SESSION_COOKIE = "posecraft_session"
CACHE_SECONDS = 3.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class KeyStore(Protocol):
    def find(self, hash: str) -> ApiKey | None: ...
    def session_secret(self) -> bytes: ...


@dataclass(frozen=True)
class Caller:
    """Who made a request, and how it proved it."""

    key_name: str
    by_session: bool


@dataclass(frozen=True)
class RequestCredentials:
    """What a request carries that the gate looks at (plain data: the gate knows nothing of Flask)."""

    method: str
    authorization: str | None
    api_key: str | None
    session_cookie: str | None
    origin: str | None
    fetch_site: str | None
    own_origin: str


class Gate:
    def __init__(self, keys: KeyStore, session_hours: float):
        self._keys = keys
        self._session_seconds = session_hours * 3600
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()
        self._secret: bytes | None = None

    def check(self, request: RequestCredentials) -> Caller:
        """The caller, or NotAuthenticated (no or bad credentials) / Forbidden (a cross-site cookie request)."""
        key = _bearer(request.authorization) or request.api_key
        if key:
            found = self._find(key_hash(key))
            if found is None:
                raise NotAuthenticated("this API key is not valid (wrong, or revoked): ask for a new one")
            return Caller(found.name, by_session=False)
        if request.session_cookie:
            name = self._verify_session(request.session_cookie)
            if request.method not in SAFE_METHODS and not _same_origin(request):
                raise Forbidden("a request from another site cannot use this browser's sign-in: "
                                "send an API key (Authorization: Bearer <key>) instead")
            return Caller(name, by_session=True)
        raise NotAuthenticated("sign in with an API key: send Authorization: Bearer <key> or X-API-Key: <key>")

    def sign_in(self, key: object) -> tuple[str, str]:
        """The (key name, session cookie value) for a valid key; NotAuthenticated otherwise."""
        if not isinstance(key, str) or not key:
            raise NotAuthenticated('send the API key as {"key": "pck_..."}')
        found = self._find(key_hash(key))
        if found is None:
            raise NotAuthenticated("this API key is not valid (wrong, or revoked): ask for a new one")
        expires = int(time.time() + self._session_seconds)
        payload = _b64(json.dumps({"key": found.hash, "exp": expires}, separators=(",", ":")).encode())
        return found.name, f"{payload}.{self._sign(payload)}"

    @property
    def session_seconds(self) -> int:
        return int(self._session_seconds)

    def _verify_session(self, cookie: str) -> str:
        payload, _, signature = cookie.partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            raise NotAuthenticated("the sign-in is not valid: sign in again with an API key")
        try:
            session = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            expires, hashed = int(session["exp"]), str(session["key"])
        except (ValueError, KeyError, TypeError):
            raise NotAuthenticated("the sign-in is not valid: sign in again with an API key") from None
        if expires < time.time():
            raise NotAuthenticated("the sign-in has expired: sign in again with an API key")
        found = self._find(hashed)
        if found is None:
            raise NotAuthenticated("the key this sign-in used was revoked: sign in with another key")
        return found.name

    def _sign(self, payload: str) -> str:
        if self._secret is None:
            self._secret = self._keys.session_secret()
        return _b64(hmac.new(self._secret, payload.encode(), hashlib.sha256).digest())

    def _find(self, hashed: str) -> ApiKey | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(hashed)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = self._keys.find(hashed)
        with self._lock:
            if len(self._cache) > 10_000:  # guessed keys must not grow it without bound
                self._cache.clear()
            self._cache[hashed] = (now, found)
        return found


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def _same_origin(request: RequestCredentials) -> bool:
    if request.fetch_site is not None:
        return request.fetch_site in ("same-origin", "none")
    return request.origin is None or request.origin == request.own_origin


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
