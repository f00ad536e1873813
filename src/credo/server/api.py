"""The Query endpoint: ``POST /`` (or ``GET /?Action=…``) for IAM and STS, routed by SigV4 scope.

Reading the body, the choice of thread and the reply are ``endpoint.SignedEndpoint``'s; this
module decodes, authenticates, authorizes, dispatches and renders Query calls.
"""

from __future__ import annotations

from urllib.parse import unquote_plus

from credo.audit.facts import ApiCall
from credo.call import Call, Services
from credo.errors import (
    AwsError,
    InvalidAction,
    InvalidInput,
    MethodNotAllowed,
    MissingAction,
    MissingAuthenticationToken,
    ServiceFailure,
    SignatureDoesNotMatch,
)
from credo.protocol import model, query, sigv4, xml
from credo.server import unsigned
from credo.server.endpoint import CALL_LABELS, MAX_BODY, Receive, Scope, Send, SignedEndpoint
from credo.server.endpoint import client_ip as client_ip
from credo.server.endpoint import log_failure as log_failure
from credo.server.operations import OPERATIONS, run_handler

__all__ = ["QueryEndpoint", "Receive", "Scope", "Send", "client_ip", "log_failure", "parse_form"]

_VERSION_TO_SERVICE = {"2010-05-08": "iam", "2011-06-15": "sts"}
_METHODS = frozenset({"GET", "POST"})


class QueryEndpoint(SignedEndpoint):
    """Authenticates, decodes, dispatches and renders one Query-protocol request."""

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        # Load the models before the first request, not during it.
        for name in OPERATIONS:
            model.service(name)

    def process(
        self, scope: Scope, body: bytes | None, request_id: str, on_loop: bool = False
    ) -> tuple[int, bytes] | None:
        """Status and body of the answer; ``None`` when ``on_loop`` and the operation may not run on the loop
        (the caller then runs it again in a worker thread; nothing has been changed yet)."""
        headers = sigv4.read_headers(scope["headers"])
        raw_query = scope.get("query_string")
        query_pairs = sigv4.parse_query_string(raw_query.decode("latin-1")) if raw_query else []
        params = dict(query_pairs)
        if body:
            params.update(parse_form(body))
        service_name = _VERSION_TO_SERVICE.get(params.get("Version", ""), "iam")
        # The audit record of an authenticated call (calls refused before that are not recorded).
        audited: ApiCall | None = None
        try:
            if scope["method"] not in _METHODS:
                raise MethodNotAllowed()
            if body is None:
                raise InvalidInput(f"Request body exceeds the maximum of {MAX_BODY} bytes.")
            try:
                signature = sigv4.read_signature(headers, query_pairs)
            except MissingAuthenticationToken:
                if not unsigned.is_unsigned_federation(params):
                    raise
                service_name = "sts"
                return self.process_unsigned(scope, headers, params, request_id, on_loop)
            operations = OPERATIONS.get(signature.service)
            if operations is None:
                raise SignatureDoesNotMatch(
                    f"Credential should be scoped to correct service: '{service_name}'."
                )
            service_name = signature.service
            services = self.services
            now = services.clock.time()
            sigv4.check_time(signature, now)
            resolved = services.credentials.resolve(signature.access_key_id, signature.session_token)
            sigv4.verify(
                signature, resolved.secret, scope["method"], scope["path"], query_pairs, headers, body
            )
            action = params.get("Action")
            if not action:
                raise MissingAction()
            operation = operations.get(action)
            operation_model = model.operation(service_name, action)
            version = params.get("Version")
            # An action exists in its API's version only; a request without Version is taken
            # as of the current one.
            if (
                operation is None
                or operation_model is None
                or (version is not None and _VERSION_TO_SERVICE.get(version) != service_name)
            ):
                if version is None:
                    version = model.service(service_name).api_version
                raise InvalidAction(f"Could not find operation {action} for version {version}")
            scope[CALL_LABELS] = (service_name, action)
            source_ip = client_ip(scope, headers, services.settings.trusted_proxy_depth)
            audited = ApiCall(
                service_name,
                action,
                now,
                resolved.principal,
                signature.region,
                source_ip,
                headers.get("user-agent", ""),
                request_id,
            )
            call = Call(
                action,
                query.decode(operation_model.input_shape, params),
                resolved.principal,
                services,
                request_id,
                signature.region,
                source_ip,
            )
            # From here the call is an attempt on its service (service last accessed data counts
            # refused ones too): the audit trail notes it, and the key's use, when it settles.
            audited.params = call.params
            services.authorizer.authorize(call, service_name, scope.get("scheme") == "https")
            if on_loop and not operation.runs_on_loop(self.store_waits):
                return None
            # A write the handler commits records this call's event in the same transaction.
            recording = services.audit.begin(audited)
            try:
                result = run_handler(operation.handler, call, service_name)
            finally:
                services.audit.end(recording)
            answer = xml.render_result(operation_model, model.NAMESPACES[service_name], result, request_id)
            audited.result = result
            services.audit.settle(audited)
            return 200, answer
        except AwsError as error:
            self._name_failed_call(scope, service_name, params.get("Action"))
            if audited is not None:
                audited.fail(error.code, error.message)
                self.services.audit.settle(audited)
            return error.status, xml.render_error(error, model.NAMESPACES[service_name], request_id)
        except Exception as error:
            self._name_failed_call(scope, service_name, params.get("Action"))
            # Never echo internals to the client; log the type and where, not the parameters.
            log_failure(request_id, error)
            failure = ServiceFailure()
            if audited is not None:
                audited.fail(failure.code, failure.message)
                self.services.audit.settle(audited)
            return failure.status, xml.render_error(failure, model.NAMESPACES[service_name], request_id)

    @staticmethod
    def _name_failed_call(scope: Scope, service_name: str, action: str | None) -> None:
        """Metrics labels for a refused request: its action only when it is one credo serves."""
        if CALL_LABELS not in scope:
            known = action is not None and action in OPERATIONS.get(service_name, {})
            scope[CALL_LABELS] = (service_name, action if known else "unknown")

    def process_unsigned(
        self, scope: Scope, headers: sigv4.Headers, params: dict[str, str], request_id: str, on_loop: bool
    ) -> tuple[int, bytes] | None:
        """AssumeRoleWithSAML or AssumeRoleWithWebIdentity sent without a signature: no caller to
        authenticate or authorize; the handler verifies the assertion or token itself."""
        action = params["Action"]
        operation = OPERATIONS["sts"].get(action)
        operation_model = model.operation("sts", action)
        if operation is None or operation_model is None:
            raise InvalidAction(
                f"Could not find operation {action} for version {unsigned.STS_VERSION}",
                detail=f"credo does not serve {action} yet; docs/federation.md says what comes next.",
            )
        if on_loop and not operation.runs_on_loop(self.store_waits):
            return None
        scope[CALL_LABELS] = ("sts", action)
        services = self.services
        call = Call(
            action,
            query.decode(operation_model.input_shape, params),
            unsigned.ANONYMOUS,
            services,
            request_id,
            unsigned.REGION,
            client_ip(scope, headers, services.settings.trusted_proxy_depth),
        )
        audited = ApiCall(
            "sts",
            action,
            services.clock.time(),
            unsigned.ANONYMOUS,
            unsigned.REGION,
            call.source_ip,
            headers.get("user-agent", ""),
            request_id,
            call.params,
        )
        recording = services.audit.begin(audited)
        try:
            result = operation.handler(call)
        except Exception as error:
            known = error if isinstance(error, AwsError) else ServiceFailure()
            audited.fail(known.code, known.message)
            services.audit.settle(audited)
            raise
        finally:
            services.audit.end(recording)
        answer = xml.render_result(operation_model, model.NAMESPACES["sts"], result, request_id)
        audited.result = result
        services.audit.settle(audited)
        return 200, answer


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, blank values kept; decodes only what needs it."""
    pairs = []
    for part in body.decode("utf-8", "replace").split("&"):
        if part:
            key, _, value = part.partition("=")
            if "%" in key or "+" in key:
                key = unquote_plus(key)
            if "%" in value or "+" in value:
                value = unquote_plus(value)
            pairs.append((key, value))
    return pairs
