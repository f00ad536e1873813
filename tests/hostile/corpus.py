"""What a corpus case is: a hostile request and the AWS error it must get.

The tables (``corpus_protocol``, ``corpus_signatures``, ``corpus_parameters``,
``corpus_policies``, ``corpus_markers``, ``corpus_tokens``) list cases by concept;
``test_corpus`` runs every one against a real ``credo serve --dev``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from tests.hostile.wire import Request, Signing

IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
STS = Signing(service="sts")


@dataclass(frozen=True)
class SessionKeys:
    """Temporary credentials the server issued (GetSessionToken), for the token cases."""

    key: str
    secret: str
    token: str


@dataclass(frozen=True)
class Sessions:
    """Two sessions: the cases tamper with the first and mix it with the second."""

    first: SessionKeys
    second: SessionKeys


RequestFor = Request | Callable[[Sessions], Request]


@dataclass(frozen=True)
class Case:
    """One hostile request and the answer AWS gives it: HTTP status and error code."""

    id: str
    request: RequestFor
    status: int
    code: str
    advance_clock: float = 0.0  # the server's clock moves this far first (and back after)

    def build(self, sessions: Sessions) -> Request:
        return self.request if isinstance(self.request, Request) else self.request(sessions)


def iam(action: str, **params: str) -> bytes:
    """An IAM Query body (urlencoded as botocore does)."""
    return urlencode({"Action": action, "Version": IAM_VERSION, **params}).encode()


def sts(action: str, **params: str) -> bytes:
    """An STS Query body."""
    return urlencode({"Action": action, "Version": STS_VERSION, **params}).encode()


def case(id: str, request: RequestFor, status: int, code: str, *, advance_clock: float = 0.0) -> Case:
    return Case(id, request, status, code, advance_clock)


def validation(id: str, body: bytes, signing: Signing | None = None) -> Case:
    """A signed request the Query decoder refuses (ValidationError, 400)."""
    return case(id, Request(body, signing=signing or Signing()), 400, "ValidationError")
