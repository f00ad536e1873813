"""The whole decision for one request to a service of ours: who signed it, and may they do it.

``Decider.decide`` takes what the service received (``OriginalRequest``): it verifies the
SigV4 signature exactly as credo's own endpoints do (``credo.protocol.sigv4``: header or
presigned query, session tokens, 15 minutes of clock skew, the scope's service), resolves the
principal (``credo.auth.credentials``), maps the request to an action and a resource through the
service's definition (or takes them as given), and judges it (``credo.gateway.evaluation``).
The decision endpoint, nginx's auth_request mode and the local middleware all call this one.

The body's hash: the signature covers it, and the verifier may not hold the body (nginx's
auth_request never passes it). The caller passes the hash it computed, or ``UNSIGNED-PAYLOAD``
when it has none; then the client's ``X-Amz-Content-Sha256`` header is what is verified (the
service must check the body against it: ``payload.body_matches``), and a request without it
and with a body cannot be verified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from credo.auth.principal import Principal
from credo.auth.request_context import ContextValue
from credo.clock import Clock
from credo.errors import AwsError, SignatureDoesNotMatch
from credo.gateway.catalog import ServiceCatalog
from credo.gateway.definitions import ServiceDefinition
from credo.gateway.evaluation import Circumstances, judge, remembered
from credo.gateway.payload import UNSIGNED_PAYLOAD
from credo.gateway.signers import Signer, Signers
from credo.keyring import Keyring
from credo.policy import MatchedStatement, Policy
from credo.protocol import sigv4

EMPTY_HASH = hashlib.sha256(b"").hexdigest()


@dataclass(slots=True)  # built per request: frozen dataclasses cost µs to build
class OriginalRequest:
    """The request a service received, as it received it."""

    method: str
    url: str  # the path and query as sent (percent-encoded), or a whole URL
    # (name, value) pairs as received; or already as SigV4 reads them (``sigv4.Headers``:
    # lower-case names, a repeated header's values joined), as the ASGI middleware has them.
    headers: Sequence[tuple[str, str]] | dict[str, str]
    payload_hash: str = UNSIGNED_PAYLOAD
    source_ip: str = ""
    secure_transport: bool = False
    # The prefix the signature must be scoped to (the service asking); None: any defined one.
    service: str | None = None
    action: str | None = None  # "GetWidget" or "widgets:GetWidget": instead of the routes
    resource: str | None = None  # an ARN: instead of the route's
    resource_policy: Policy | None = None
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(slots=True)  # built per request: frozen dataclasses cost µs to build
class Verdict:
    """The answer. ``status``: 200 allowed, 401 not authenticated, 403 refused."""

    allowed: bool
    status: int
    code: str = ""  # AWS's error code for the refusal: SignatureDoesNotMatch, AccessDenied…
    reason: str = ""  # AWS's message
    detail: str = ""  # credo's explanation: which statement, which route
    signer: Signer | None = None  # once the credentials are known
    action: str = ""
    resource: str = ""
    matched: tuple[MatchedStatement, ...] = ()
    encoded_message: str = ""

    @property
    def principal(self) -> Principal | None:
        signer = self.signer
        return signer.principal if signer is not None else None


class Refused(Exception):
    """A refusal found on the way, before the policies had their say."""

    def __init__(self, status: int, code: str, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.status, self.code, self.reason, self.detail = status, code, reason, detail


class Decider:
    """Verifies and decides requests to the services defined in the store."""

    def __init__(self, signers: Signers, catalog: ServiceCatalog, clock: Clock, keyring: Keyring) -> None:
        self.signers = signers
        self.authorizer = signers.authorizer
        self.catalog = catalog
        self.clock = clock
        self.keyring = keyring

    def decide(self, request: OriginalRequest) -> Verdict:
        signer: Signer | None = None
        path = _path(request.url)
        try:
            signer, signature, definition = self._authenticate(request, path)
            principal = signer.principal
            action, resource = self._target(request, path, definition, principal, signature.region)
        except AwsError as error:
            status = 403 if signer is not None else 401
            return Verdict(False, status, error.code, error.message, error.detail or "", signer)
        except Refused as refusal:
            return Verdict(False, refusal.status, refusal.code, refusal.reason, refusal.detail, signer)
        # A route's ARN is in the caller's account; a resource given by the service says its own.
        resource_account = principal.account_id if request.resource is None else None
        judgement = (
            remembered(self.authorizer, signer, action, resource, resource_account)
            if request.resource_policy is None
            else None
        )
        if judgement is None:
            judgement = judge(
                self.authorizer,
                self.keyring,
                signer,
                action,
                resource,
                Circumstances(
                    self.clock.now(),
                    request.source_ip,
                    request.secure_transport,
                    signature.region,
                    request.context,
                ),
                request.resource_policy,
                resource_account,
            )
        if judgement.allowed:
            return Verdict(
                True, 200, signer=signer, action=action, resource=resource, matched=judgement.matched
            )
        return Verdict(
            False,
            403,
            "AccessDenied",
            judgement.message,
            _statements(judgement.matched, judgement.explicit_deny),
            signer,
            action,
            resource,
            judgement.matched,
            judgement.encoded_message,
        )

    def _authenticate(
        self, request: OriginalRequest, path: str
    ) -> tuple[Signer, sigv4.Signature, ServiceDefinition]:
        raw_query = request.url.partition("?")[2]
        query = sigv4.parse_query_string(raw_query) if raw_query else []
        headers = header_map(request.headers)
        signature = sigv4.read_signature(headers, query)
        if request.service is not None and signature.service != request.service:
            raise SignatureDoesNotMatch(
                f"Credential should be scoped to correct service: '{request.service}'.",
                detail=f"The request is signed for {signature.service!r}; this service is {request.service!r}.",
            )
        sigv4.check_time(signature, self.clock.time())
        signer = self.signers.find(signature.access_key_id, signature.session_token)
        self._verify(request, signature, signer.secret, path, query, headers)
        definition = signer.definition(signature.service, self.catalog)
        if definition is None:
            raise Refused(
                403,
                "AccessDenied",
                f"The request is signed for service {signature.service!r}, which credo has no definition of.",
                "Store one with `credo service put FILE` (docs/authorizer.md).",
            )
        return signer, signature, definition

    def _verify(
        self,
        request: OriginalRequest,
        signature: sigv4.Signature,
        secret: str,
        path: str,
        query: list[tuple[str, str]],
        headers: sigv4.Headers,
    ) -> None:
        claimed = headers.get("x-amz-content-sha256")
        given = request.payload_hash
        if claimed and given != UNSIGNED_PAYLOAD and claimed not in (given, UNSIGNED_PAYLOAD):
            raise SignatureDoesNotMatch(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
            )
        if claimed:
            payload_hash = claimed
        elif given != UNSIGNED_PAYLOAD:
            payload_hash = given
        elif headers.get("content-length", "0") in ("", "0") and "transfer-encoding" not in headers:
            payload_hash = EMPTY_HASH
        else:
            raise SignatureDoesNotMatch(
                "The request signature we calculated does not match the signature you provided.",
                detail="The body's hash is not known here: sign it in X-Amz-Content-Sha256 "
                "(the service then checks the body against it), or pass payload_hash.",
            )
        # The raw path as sent: SigV4 for services other than S3 encodes it once more.
        canonical = sigv4.canonical_request_for_hash(
            signature, request.method, path, query, headers, payload_hash
        )
        try:
            sigv4.check_canonical(signature, secret, canonical)
        except SignatureDoesNotMatch:
            if not (signature.presigned and not claimed and payload_hash != UNSIGNED_PAYLOAD):
                raise
            # S3's presigned style signs UNSIGNED-PAYLOAD in the query form.
            canonical = sigv4.canonical_request_for_hash(
                signature, request.method, path, query, headers, UNSIGNED_PAYLOAD
            )
            sigv4.check_canonical(signature, secret, canonical)

    def _target(
        self,
        request: OriginalRequest,
        path: str,
        definition: ServiceDefinition,
        principal: Principal,
        region: str,
    ) -> tuple[str, str]:
        """``(prefix:Action, resource ARN)``: as given, or as the definition's routes map the request."""
        prefix = definition.prefix
        if request.action is not None:
            vendor, _, name = request.action.rpartition(":")
            action = definition.action(name)
            if vendor not in ("", prefix) or action is None:
                raise Refused(
                    403,
                    "AccessDenied",
                    f"{request.action} is not an action of {prefix}.",
                    f"{prefix} defines {', '.join(sorted(definition.actions))}.",
                )
            return f"{prefix}:{action.name}", request.resource or "*"
        method = request.method.upper()
        routed = request.resource is None
        if routed:
            key = (method, path, region, principal.account_id)
            known = definition.targets.get(key)
            if known is not None:
                return known
        found = definition.routes.match(method, path)
        if found is None:
            others = definition.routes.methods_for(path)
            detail = (
                f"{', '.join(others)} {'is' if len(others) == 1 else 'are'} mapped on this path."
                if others
                else ""
            )
            raise Refused(
                403,
                "UnknownOperationException",
                f"No action of {prefix} is mapped to {method} {path}.",
                detail,
            )
        route = found.route
        if not routed:
            return f"{prefix}:{route.action}", request.resource or "*"
        resource = "*"
        if route.resource_type is not None:
            values = {"Partition": "aws", "Region": region, "Account": principal.account_id, **found.values}
            resource = definition.resource_types[route.resource_type].arn(values)
        target = (f"{prefix}:{route.action}", resource)
        definition.remember_target(key, target)
        return target


def _statements(matched: tuple[MatchedStatement, ...], explicit: bool) -> str:
    """credo's explanation beside AWS's message: the statements that denied, or that none allowed."""
    if not explicit or not matched:
        return "No statement allows this action on this resource."
    named = ", ".join(
        f"statement {m.sid or f'at line {m.start_line}'} of policy {m.policy_id}" for m in matched
    )
    return f"Denied by {named}."


def _path(url: str) -> str:
    """The path of a path-and-query, or of a whole URL, as sent."""
    if not url.startswith("/"):
        url = urlsplit(url).path or "/"
    return url.partition("?")[0]


def header_map(pairs: Sequence[tuple[str, str]] | dict[str, str]) -> dict[str, str]:
    """Lower-case name → value; a header sent twice joined as SigV4 signs it (``sigv4.read_headers``)."""
    if isinstance(pairs, dict):
        return pairs  # already so (``OriginalRequest.headers``)
    found = {name.lower(): value for name, value in pairs}
    if len(found) < len(pairs):
        return sigv4.read_headers([(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs])
    return found
