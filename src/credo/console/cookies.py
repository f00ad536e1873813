"""Signed cookie values: a random id plus an HMAC-SHA256 of it under a key from the master key.

The signature lets the server drop forged or mangled cookies before touching the store; what
the id grants is decided by the server-side row it names (``console.sessions``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

SESSION_COOKIE = "credo-console"
# Name a not-yet-signed-in browser, so the forms shown before sign-in carry a token an attacker's
# page cannot know: the sign-in forms (under /signin) and the SAML role chooser (at /saml).
SIGNIN_COOKIE = "credo-signin"
SAML_COOKIE = "credo-saml"


class CookieSigner:
    """Signs and checks cookie values and the tokens derived from them.

    Signs with the first key; a cookie signed with any of the others (derived from an older
    master key, after a rotation) still checks, so nobody is signed out by a rotation.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        self.use(keys)

    def use(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a cookie signer needs a key")
        self._keys = tuple(keys)

    @staticmethod
    def _mac(key: bytes, purpose: str, value: str) -> str:
        return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return f"{value}.{self._mac(self._keys[0], 'cookie', value)}"

    def unsign(self, signed: str | None) -> str | None:
        """The value of a cookie this server signed; ``None`` for anything else."""
        if not signed or "." not in signed:
            return None
        value, _, mac = signed.rpartition(".")
        for key in self._keys:
            if hmac.compare_digest(mac, self._mac(key, "cookie", value)):
                return value
        return None

    def form_token(self, browser_id: str, purpose: str) -> str:
        """The CSRF token of the ``purpose`` forms shown to the browser holding ``browser_id``."""
        return self._mac(self._keys[0], purpose, browser_id)


def new_id() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
