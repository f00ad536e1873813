"""Console passwords: argon2id hashes only; the plain text is never stored, returned or logged."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from credo.settings import insecure_fast_password_hashing

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# CREDO_INSECURE_FAST_PASSWORD_HASHING (test suites only): the least argon2id allows, ~50 µs.
_test_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def hash_password(password: str) -> str:
    hasher = _test_hasher if insecure_fast_password_hashing() else _hasher
    return hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches; argon2's verify compares in constant time."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def decoy_hash() -> str:
    """A hash of a random password, verified when there is no user (or no password) to check
    against, so an unknown name costs a sign-in the same time as a wrong password.

    Made on first use, not at import: argon2 takes a good part of a second, which every
    ``credo`` process importing the console would pay. The server makes it in a worker thread
    as it starts (``warm_decoy``), before sign-ins come.
    """
    return hash_password(secrets.token_urlsafe(32))
