"""The Query endpoint: ``POST /`` (or ``GET /?Action=…``) for IAM and STS, routed by SigV4 scope.

A raw ASGI callable rather than a Starlette route: it is the hot path, and every microsecond
of framework here is paid by every client call.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote_plus

import anyio.to_thread
from sqlalchemy.exc import DBAPIError

from credo import ids
from credo.auth.key_usage import KeyUse
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
from credo.server.operations import OPERATIONS

log = logging.getLogger("credo.api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_VERSION_TO_SERVICE = {"2010-05-08": "iam", "2011-06-15": "sts"}
_MAX_BODY = 1024 * 1024
_METHODS = frozenset({"GET", "POST"})


class QueryEndpoint:
    """Authenticates, decodes, dispatches and renders one Query-protocol request."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # Load the models before the first request, not during it.
        for name in OPERATIONS:
            model.service(name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        request_id = ids.request_id()
        # With PostgreSQL the work waits on the network, so it runs in a worker thread; SQLite
        # answers in microseconds and runs on the loop.
        if self.services.store.is_sqlite:
            answer = self.process(scope, body, request_id, on_loop=True)
            if answer is None:
                # A blocking operation (password hashing…): done again, whole, off the loop.
                answer = await self._in_thread(scope, body, request_id)
            status, payload = answer
            # Let the requests that arrived together with this one be processed before any
            # reply is written, so that the replies leave in a burst. Under load that keeps
            # the request code hot in the CPU's caches, and wakes a client on the same host (a
            # proxy, a test suite) once per burst rather than once per reply: about a third
            # less server CPU per GetCallerIdentity (docs/benchmarks.md, "Hot path").
            await asyncio.sleep(0)
        else:
            status, payload = await self._in_thread(scope, body, request_id)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/xml"),
                    (b"content-length", b"%d" % len(payload)),
                    (b"x-amzn-requestid", request_id.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _in_thread(self, scope: Scope, body: bytes | None, request_id: str) -> tuple[int, bytes]:
        answer = await anyio.to_thread.run_sync(self.process, scope, body, request_id)
        assert answer is not None  # only a call made on the loop defers
        return answer

    def process(
        self, scope: Scope, body: bytes | None, request_id: str, on_loop: bool = False
    ) -> tuple[int, bytes] | None:
        """Status and body of the answer; ``None`` when ``on_loop`` and the operation is blocking
        (the caller then runs it again in a worker thread; nothing has been changed yet)."""
        headers = sigv4.read_headers(scope["headers"])
        raw_query = scope.get("query_string")
        query_pairs = sigv4.parse_query_string(raw_query.decode("latin-1")) if raw_query else []
        params = dict(query_pairs)
        if body:
            params.update(parse_form(body))
        service_name = _VERSION_TO_SERVICE.get(params.get("Version", ""), "iam")
        try:
            if scope["method"] not in _METHODS:
                raise MethodNotAllowed()
            if body is None:
                raise InvalidInput(f"Request body exceeds the maximum of {_MAX_BODY} bytes.")
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
            call = Call(
                action,
                query.decode(operation_model.input_shape, params),
                resolved.principal,
                services,
                request_id,
                signature.region,
                client_ip(scope, headers, services.settings.trusted_proxy_depth),
            )
            # Service last accessed data counts attempts, allowed or not (batched, no write here).
            services.usage.record_attempt(resolved.principal, service_name, action, signature.region, now)
            services.authorizer.authorize(call, service_name, scope.get("scheme") == "https")
            if on_loop and operation.blocking:
                return None
            result = operation.handler(call)
            services.usage.record(signature.access_key_id, KeyUse(now, service_name, signature.region))
            return 200, xml.render_result(operation_model, model.NAMESPACES[service_name], result, request_id)
        except AwsError as error:
            return error.status, xml.render_error(error, model.NAMESPACES[service_name], request_id)
        except Exception as error:
            # Never echo internals to the client; log the type and where, not the parameters.
            log_failure(request_id, error)
            failure = ServiceFailure()
            return failure.status, xml.render_error(failure, model.NAMESPACES[service_name], request_id)

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
        if on_loop and operation.blocking:
            return None
        call = Call(
            action,
            query.decode(operation_model.input_shape, params),
            unsigned.ANONYMOUS,
            self.services,
            request_id,
            unsigned.REGION,
            client_ip(scope, headers, self.services.settings.trusted_proxy_depth),
        )
        result = operation.handler(call)
        return 200, xml.render_result(operation_model, model.NAMESPACES["sts"], result, request_id)


def log_failure(request_id: str, error: Exception) -> None:
    """Log an unexpected failure with its traceback; a database error without its text.

    SQLAlchemy already hides statement parameters, but the database's own message can quote a
    row (PostgreSQL: ``Failing row contains (…)``), and rows hold sealed secrets and hashes.
    """
    if isinstance(error, DBAPIError):
        where = "".join(traceback.format_tb(error.__traceback__))
        log.error(
            "request %s failed: %s (SQLSTATE %s) in %s\n%s",
            request_id,
            type(error.orig).__name__,
            getattr(error.orig, "sqlstate", None),
            error.statement,
            where,
        )
    else:
        log.exception("request %s failed", request_id, exc_info=error)


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


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or ``None`` when it exceeds the limit."""
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        # Nearly every request: the body arrived in one piece.
        body: bytes = message.get("body", b"")
        return body if len(body) <= _MAX_BODY else None
    chunks: list[bytes] = []
    size = 0
    while True:
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)


def client_ip(scope: Scope, headers: sigv4.Headers, trusted_depth: int) -> str:
    """The peer address, or the one ``trusted_depth`` proxies back in ``X-Forwarded-For``."""
    peer = scope.get("client")
    address = str(peer[0]) if peer else ""
    if trusted_depth > 0 and "x-forwarded-for" in headers:
        hops = [hop.strip() for hop in headers["x-forwarded-for"].split(",") if hop.strip()]
        if len(hops) >= trusted_depth:
            address = hops[-trusted_depth]
    return address
