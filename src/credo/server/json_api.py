"""The JSON 1.1 endpoint: ``POST /`` with ``X-Amz-Target: <prefix>.<Operation>``, for sso-admin
(``SWBExternalService``, signed for ``sso``), identitystore (``AWSIdentityStore``) and CloudTrail's
LookupEvents (``com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101``, signed for ``cloudtrail``).

``server/app.py`` sends a request on ``/`` here when its ``X-Amz-Target`` header names one of
these services (any other target stays with the Query endpoint, which IAM and STS speak).
The steps are the Query endpoint's: check the target and content type, verify the SigV4
signature (scoped to the service's signing name), decode and validate the body by the model,
authorize every resource the action needs, run the handler, render JSON. Every failure is a
JSON error (``protocol/json.py``), never a 500 page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from credo.audit import lookup_events
from credo.audit.facts import ApiCall
from credo.auth.resources import Target
from credo.call import Call, Operation, Services
from credo.errors import (
    AwsError,
    MethodNotAllowed,
    ServiceFailure,
    SignatureDoesNotMatch,
    UnknownOperation,
    ValidationException,
)
from credo.protocol import json, model, sigv4
from credo.server.endpoint import CALL_LABELS, MAX_BODY, Scope, SignedEndpoint, client_ip, log_failure
from credo.server.operations import JSON_OPERATIONS
from credo.sso import authorization

# Per service, the resources an action is authorized against (the SSO services name theirs;
# CloudTrail's LookupEvents has no resource-level permissions: "*").
_TARGETS: dict[str, Callable[[Call, str, str], list[Target]]] = {
    "cloudtrail": lambda _call, _service, _action: [Target("*")],
}
# Per service, AWS's own errors for values out of range, checked before the model's generic
# ValidationException would answer (CloudTrail's InvalidMaxResultsException…).
_PRECHECKS: dict[str, Callable[[str, bytes], None]] = {"cloudtrail": lookup_events.precheck}


@dataclass(frozen=True)
class JsonService:
    """One JSON service: its model name, the prefix of its targets, its SigV4 signing name (which
    is also its IAM action prefix), and its operations."""

    name: str
    target_prefix: str
    signing_name: str
    operations: dict[str, Operation]


def _services() -> dict[str, JsonService]:
    found = {}
    for name, operations in JSON_OPERATIONS.items():
        service_model = model.service(name).model
        prefix = service_model.metadata["targetPrefix"]
        found[prefix] = JsonService(name, prefix, service_model.signing_name, operations)
    return found


class JsonEndpoint(SignedEndpoint):
    """Authenticates, decodes, dispatches and renders one JSON 1.1 request."""

    content_type = json.CONTENT_TYPE.encode()

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.by_prefix = _services()
        # What ``server/app.py`` routes here: X-Amz-Target values starting with one of these
        # (CloudTrail's has dots of its own: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101).
        self.target_prefixes = tuple(prefix.encode() for prefix in self.by_prefix)

    def serves_target(self, target: bytes) -> bool:
        """Whether ``X-Amz-Target`` names one of these services (``<prefix>`` or ``<prefix>.…``)."""
        return any(
            target.startswith(prefix) and target[len(prefix) : len(prefix) + 1] in (b"", b".")
            for prefix in self.target_prefixes
        )

    def process(
        self, scope: Scope, body: bytes | None, request_id: str, on_loop: bool = False
    ) -> tuple[int, bytes] | None:
        headers = sigv4.read_headers(scope["headers"])
        # The audit record of an authenticated call (calls refused before that are not recorded).
        audited: ApiCall | None = None
        try:
            service, operation_name = self._target(headers.get("x-amz-target", ""))
            scope[CALL_LABELS] = (service.name, operation_name)
            if scope["method"] != "POST":
                raise MethodNotAllowed()
            content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type != json.CONTENT_TYPE:
                raise UnknownOperation(
                    f"Unsupported content type {content_type or '(none)'}.",
                    detail=f"{service.name} requests are sent as {json.CONTENT_TYPE}.",
                )
            if body is None:
                raise ValidationException(f"Request body exceeds the maximum of {MAX_BODY} bytes.")
            raw_query = scope.get("query_string")
            query_pairs = sigv4.parse_query_string(raw_query.decode("latin-1")) if raw_query else []
            signature = sigv4.read_signature(headers, query_pairs)
            if signature.service != service.signing_name:
                raise SignatureDoesNotMatch(
                    f"Credential should be scoped to correct service: '{service.signing_name}'."
                )
            services = self.services
            now = services.clock.time()
            sigv4.check_time(signature, now)
            resolved = services.credentials.resolve(signature.access_key_id, signature.session_token)
            sigv4.verify(
                signature, resolved.secret, scope["method"], scope["path"], query_pairs, headers, body
            )
            operation = service.operations[operation_name]
            operation_model = model.operation(service.name, operation_name)
            assert operation_model is not None  # _target answers only operations of the model
            source_ip = client_ip(scope, headers, services.settings.trusted_proxy_depth)
            audited = ApiCall(
                service.name,
                operation_name,
                now,
                resolved.principal,
                signature.region,
                source_ip,
                headers.get("user-agent", ""),
                request_id,
            )
            precheck = _PRECHECKS.get(service.name)
            if precheck is not None:
                precheck(operation_name, body)
            call = Call(
                operation_name,
                json.decode(operation_model.input_shape, body),
                resolved.principal,
                services,
                request_id,
                signature.region,
                source_ip,
            )
            audited.params = call.params
            action = f"{service.signing_name}:{operation_name}"
            audited.namespace = service.signing_name
            targets = _TARGETS.get(service.name, authorization.targets)
            services.authorizer.authorize_targets(
                call,
                service.signing_name,
                scope.get("scheme") == "https",
                targets(call, service.name, action),
            )
            if on_loop and not operation.runs_on_loop(self.store_waits):
                return None
            # A write the handler commits records this call's event in the same transaction.
            recording = services.audit.begin(audited)
            try:
                result = operation.handler(call)
            finally:
                services.audit.end(recording)
            answer = json.render_result(operation_model.output_shape, result)
            audited.result = result
            services.audit.settle(audited)
            return 200, answer
        except AwsError as error:
            self._settle_failed(audited, error)
            return json.render_error(error, request_id)
        except Exception as error:
            # Never echo internals to the client; log the type and where, not the parameters.
            log_failure(request_id, error)
            self._settle_failed(audited, ServiceFailure())
            return json.render_error(ServiceFailure(), request_id)

    def _settle_failed(self, audited: ApiCall | None, error: AwsError) -> None:
        if audited is not None:
            audited.fail(json.error_code(error), error.message)
            self.services.audit.settle(audited)

    def _target(self, target: str) -> tuple[JsonService, str]:
        """The service and operation ``X-Amz-Target`` names, if credo serves it."""
        service = next(
            (s for p, s in self.by_prefix.items() if target.startswith(p + ".") or target == p), None
        )
        operation_name = target[len(service.target_prefix) + 1 :] if service is not None else ""
        if service is None or operation_name not in service.operations:
            shown = target if len(target) <= 128 else target[:128] + "…"
            raise UnknownOperation(
                f"Unknown operation {shown}." if target else "Missing X-Amz-Target header.",
                detail="credo serves sso-admin (SWBExternalService.*), identitystore "
                "(AWSIdentityStore.*) and CloudTrail's LookupEvents over JSON 1.1; "
                "docs/api-coverage.md lists the operations.",
            )
        return service, operation_name
