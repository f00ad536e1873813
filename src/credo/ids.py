"""AWS-shaped identifiers: 12-digit accounts, ``AIDA…`` user ids, ``AKIA…`` keys and secrets."""

from __future__ import annotations

import itertools
import os
import secrets
import string

_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"

USER = "AIDA"
GROUP = "AGPA"
ROLE = "AROA"
POLICY = "ANPA"
INSTANCE_PROFILE = "AIPA"
ACCESS_KEY = "AKIA"
TEMPORARY_ACCESS_KEY = "ASIA"
MFA_DEVICE = "AMFA"


def entity_id(prefix: str) -> str:
    """A 21-character unique id such as ``AIDAJQABLZS4A3QDU576Q``."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))


def access_key_id(prefix: str = ACCESS_KEY) -> str:
    """A 20-character access key id: ``AKIA`` (long-term) or ``ASIA`` (temporary) + 16."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


def secret_access_key() -> str:
    """A 40-character secret access key drawn from the OS's CSPRNG."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def account_id() -> str:
    """A random 12-digit account id that does not start with 0."""
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def is_account_id(value: str) -> bool:
    return len(value) == 12 and value.isdigit()


class _RequestIds:
    """UUID4-shaped ids: a random prefix per process, then a counter.

    Request ids name requests in logs and guard nothing, so they need only be unique: 72 random
    bits per process (drawn again in a forked child) and a counter, formatted in one step.
    """

    def __init__(self) -> None:
        self._start()
        os.register_at_fork(after_in_child=self._start)

    def _start(self) -> None:
        h = secrets.token_hex(10)
        variant = "89ab"[int(h[4], 16) & 3]
        self._prefix = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-"
        self._counter = itertools.count(secrets.randbelow(1 << 40))

    def make(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


_request_ids = _RequestIds()


def request_id() -> str:
    """A UUID4-shaped request id, as AWS returns in ``x-amzn-RequestId``."""
    return _request_ids.make()
