"""``POST /_credo/authorize``: the decision endpoint, for services that ask credo over HTTP.

The calling service authenticates itself: it signs its call with its own credo credentials,
SigV4 scoped to the service ``credo`` (botocore: ``SigV4Auth(credentials, "credo", region)``),
and needs ``credo:Authorize`` on ``arn:aws:credo::<its account>:service/<prefix>`` (the prefix
of the service it asks for, as the original request is scoped). Its body is read by
``request_body``; the answer is ``answers.verdict_document``, 200 whatever the decision. A
malformed call, or a caller not allowed to ask, is answered as AWS's JSON services answer
errors (``{"__type": "ValidationException", "Message": …}``).
"""

from __future__ import annotations

from credo.call import Services
from credo.errors import AccessDenied, AwsError, ServiceFailure, SignatureDoesNotMatch, ValidationException
from credo.gateway.answers import verdict_json
from credo.gateway.catalog import ServiceCatalog
from credo.gateway.decision import Decider, OriginalRequest, header_map
from credo.gateway.evaluation import Circumstances, judge, remembered
from credo.gateway.request_body import read_request
from credo.gateway.signers import Signers
from credo.protocol import json as json_protocol
from credo.protocol import sigv4
from credo.server.endpoint import CALL_LABELS, MAX_BODY, Scope, SignedEndpoint, client_ip, log_failure

SIGNING_NAME = "credo"
ACTION = "credo:Authorize"


def decider_for(services: Services) -> Decider:
    """The server's decider: its credential cache, authorizer, clock and keyring."""
    catalog = ServiceCatalog(services.store)  # before the signers: see ``Signers``
    signers = Signers(services.store, services.credentials, services.authorizer, services.clock)
    return Decider(signers, catalog, services.clock, services.keyring)


def service_arn(account_id: str, prefix: str) -> str:
    """What ``credo:Authorize`` is granted on: the service a caller may ask about."""
    return f"arn:aws:credo::{account_id}:service/{prefix}"


class AuthorizeEndpoint(SignedEndpoint):
    """Authenticates and authorizes the calling service, then decides the request it sent."""

    content_type = b"application/json"
    unnamed = ("credo", "Authorize")

    def __init__(self, services: Services, decider: Decider) -> None:
        super().__init__(services)
        self.decider = decider

    def process(
        self, scope: Scope, body: bytes | None, request_id: str, on_loop: bool = False
    ) -> tuple[int, bytes] | None:
        scope[CALL_LABELS] = self.unnamed
        try:
            if scope["method"] != "POST":
                raise ValidationException("POST the request to decide as JSON (docs/authorizer.md).")
            if body is None:
                raise ValidationException(f"Request body exceeds the maximum of {MAX_BODY} bytes.")
            verdict = self.decider.decide(self._authorized_request(scope, body))
            return 200, verdict_json(verdict)
        except AwsError as error:
            return json_protocol.render_error(error, request_id)
        except Exception as error:
            log_failure(request_id, error)
            return json_protocol.render_error(ServiceFailure(), request_id)

    def _authorized_request(self, scope: Scope, body: bytes) -> OriginalRequest:
        """The request to decide, once its caller is authenticated and may ask about it."""
        headers = sigv4.read_headers(scope["headers"])
        raw_query = scope.get("query_string")
        query = sigv4.parse_query_string(raw_query.decode("latin-1")) if raw_query else []
        signature = sigv4.read_signature(headers, query)
        if signature.service != SIGNING_NAME:
            raise SignatureDoesNotMatch(f"Credential should be scoped to correct service: '{SIGNING_NAME}'.")
        services = self.services
        sigv4.check_time(signature, services.clock.time())
        caller = self.decider.signers.find(signature.access_key_id, signature.session_token)
        sigv4.verify(signature, caller.secret, "POST", scope["path"], query, headers, body)
        original = read_request(body)
        prefix = original.service or _scoped_service(original) or "*"
        account = caller.principal.account_id
        resource = service_arn(account, prefix)
        judgement = remembered(services.authorizer, caller, ACTION, resource, account)
        if judgement is None:
            judgement = judge(
                services.authorizer,
                services.keyring,
                caller,
                ACTION,
                resource,
                Circumstances(
                    services.clock.now(),
                    client_ip(scope, headers, services.settings.trusted_proxy_depth),
                    scope.get("scheme") == "https",
                    signature.region,
                    {},
                ),
                resource_account=account,
            )
        if not judgement.allowed:
            raise AccessDenied(judgement.message)
        return original


def _scoped_service(request: OriginalRequest) -> str | None:
    """The service the original request's signature is scoped to, if it can be read."""
    try:
        headers = header_map(request.headers)
        query = sigv4.parse_query_string(request.url.partition("?")[2])
        return sigv4.read_signature(headers, query).service
    except AwsError:
        return None
