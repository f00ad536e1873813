"""``GET /_credo/authorize/nginx``: nginx's ``auth_request`` mode of the decision endpoint.

nginx asks before it proxies each request: the subrequest carries the client's headers, the
original method and URI (``X-Original-Method``, ``X-Original-URI``: ``$request_uri``, as sent),
the body's length (``X-Original-Content-Length``: the subrequest has no body), the client's
address and scheme (``X-Forwarded-For``, ``X-Forwarded-Proto``), the service's prefix
(``X-Credo-Service``), and the gateway's own credential: ``X-Credo-Gateway-Secret``, equal to
the server's ``CREDO_GATEWAY_SECRET`` (the mode is off without it). A shared secret rather than
a signature, because nginx cannot sign; it also makes the forwarded address and scheme
trustworthy. The answer is 204 with ``X-Credo-Principal-Arn``, ``X-Credo-Account``,
``X-Credo-User-Id`` (nginx hands them upstream with ``auth_request_set``), or 401 (not
authenticated) / 403 (refused) with ``X-Credo-Error`` and ``X-Credo-Reason``. The body is never
seen: docs/authorizer.md says how requests with one are verified.
"""

from __future__ import annotations

import hmac

from credo.call import Services
from credo.gateway.answers import verdict_headers
from credo.gateway.decision import Decider, OriginalRequest, Verdict
from credo.gateway.payload import UNSIGNED_PAYLOAD
from credo.protocol import sigv4
from credo.server.endpoint import CALL_LABELS, Scope, SignedEndpoint, log_failure

SECRET_HEADER = "x-credo-gateway-secret"
# Headers of the subrequest that are nginx's, not the client's.
_GATEWAY_HEADERS = frozenset(
    {
        SECRET_HEADER,
        "x-credo-service",
        "x-original-method",
        "x-original-uri",
        "x-original-content-length",
        "x-forwarded-for",
        "x-forwarded-proto",
        "content-length",
        "connection",
    }
)
_HEADERS = "credo.gateway.headers"


class NginxEndpoint(SignedEndpoint):
    """Answers nginx's auth_request subrequests."""

    unnamed = ("credo", "AuthorizeNginx")
    content_type = b"text/plain"

    def __init__(self, services: Services, decider: Decider) -> None:
        super().__init__(services)
        self.decider = decider
        secret = services.settings.gateway_secret
        self.secret = secret.encode() if secret else None

    def reply_headers(self, scope: Scope, payload: bytes, request_id: str) -> list[tuple[bytes, bytes]]:
        """Besides the usual ones, the verdict's headers, which nginx hands upstream."""
        return [*super().reply_headers(scope, payload, request_id), *scope.get(_HEADERS, [])]

    def process(
        self, scope: Scope, body: bytes | None, request_id: str, on_loop: bool = False
    ) -> tuple[int, bytes] | None:
        scope[CALL_LABELS] = self.unnamed
        given = sigv4.read_headers(scope["headers"])
        if self.secret is None:
            return 404, b"nginx mode is off: set CREDO_GATEWAY_SECRET (docs/authorizer.md)\n"
        sent = given.get(SECRET_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(sent, self.secret):
            scope[_HEADERS] = [(b"x-credo-error", b"GatewayNotAuthenticated")]
            return 403, b"X-Credo-Gateway-Secret is missing or wrong\n"
        try:
            verdict = self.decider.decide(_original(given))
        except Exception as error:
            log_failure(request_id, error)
            return 500, b"credo could not decide\n"
        scope[_HEADERS] = verdict_headers(verdict)
        return _status(verdict), b""


def _original(given: sigv4.Headers) -> OriginalRequest:
    """The client's request: its headers as SigV4 reads them, without those nginx added."""
    headers = {name: value for name, value in given.items() if name not in _GATEWAY_HEADERS}
    length = given.get("x-original-content-length", "")
    if length:
        headers["content-length"] = length
    forwarded = given.get("x-forwarded-for", "")
    return OriginalRequest(
        method=given.get("x-original-method", "GET").upper(),
        url=given.get("x-original-uri", "/"),
        headers=headers,
        payload_hash=UNSIGNED_PAYLOAD,
        source_ip=forwarded.rpartition(",")[2].strip(),
        secure_transport=given.get("x-forwarded-proto", "").rpartition(",")[2].strip().lower() == "https",
        service=given.get("x-credo-service") or None,
    )


def _status(verdict: Verdict) -> int:
    return 204 if verdict.allowed else verdict.status
