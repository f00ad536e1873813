"""Bearer secrets of the access portal (client secrets, device and authorization codes, access
and refresh tokens): random, opaque, and kept only as their SHA-256.

A stolen database row therefore grants nothing; a token is found by hashing what the client
presents. The prefixes only tell a reader which kind a token is (AWS's start ``aoa``/``aor``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ACCESS_TOKEN_PREFIX = "aoa"
REFRESH_TOKEN_PREFIX = "aor"
# Letters a person reads off one screen and types on another: no vowels (no words), no 0/O, 1/I.
_USER_CODE_LETTERS = "BCDFGHJKLMNPQRSTVWXZ"


def new_token(prefix: str = "", nbytes: int = 48) -> str:
    return prefix + secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    """The stored form of a presented secret."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def matches(stored_digest: str, presented: str) -> bool:
    return hmac.compare_digest(stored_digest, digest(presented))


def new_user_code() -> str:
    """``ABCD-EFGH``: eight letters, about 34 bits, good for ten minutes and one request."""
    letters = "".join(secrets.choice(_USER_CODE_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def normalize_user_code(typed: str) -> str:
    """What a person typed, as stored: upper case, the dash put back where it belongs."""
    letters = "".join(ch for ch in typed.upper() if ch.isalpha())
    return f"{letters[:4]}-{letters[4:8]}" if len(letters) == 8 else ""
