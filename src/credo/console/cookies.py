"""Signed cookie values: a random id plus an HMAC-SHA256 of it under a key from the master key.

The signature lets the server drop forged or mangled cookies before touching the store; what
the id grants is decided by the server-side row it names (``console.sessions``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "credo-console"
# Names a not-yet-signed-in browser, so sign-in forms carry a token an attacker's page cannot know.
SIGNIN_COOKIE = "credo-signin"


class CookieSigner:
    """Signs and checks cookie values and the tokens derived from them."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return f"{value}.{self._mac('cookie', value)}"

    def unsign(self, signed: str | None) -> str | None:
        """The value of a cookie this server signed; ``None`` for anything else."""
        if not signed or "." not in signed:
            return None
        value, _, mac = signed.rpartition(".")
        return value if hmac.compare_digest(mac, self._mac("cookie", value)) else None

    def signin_token(self, browser_id: str) -> str:
        """The CSRF token of the sign-in forms shown to the browser holding ``browser_id``."""
        return self._mac("signin-form", browser_id)


def new_id() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
