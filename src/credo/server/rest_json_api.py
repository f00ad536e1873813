"""The REST-JSON endpoints: sso-oidc (``POST /client/register``, ``/device_authorization``,
``/token``) and the sso portal API (``GET /federation/credentials``, ``/assignment/accounts``,
``/assignment/roles``, ``POST /logout``), each operation at the method and path its model gives.

Both are unsigned, as botocore sends them: sso-oidc's client proves itself with its client id
and secret, the portal's caller with its bearer token. A request is read (at most
``MAX_BODY``), decoded and validated by the model (``protocol/rest_json.py``), handled in a
worker thread, and answered in JSON; every failure is the service's own error shape, never a
500 page. Nothing here logs a token or a secret.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from credo import ids
from credo.audit.facts import ApiCall
from credo.call import Call, Operation, Services
from credo.errors import AwsError, ServiceFailure
from credo.protocol import model, rest_json, sigv4
from credo.server.endpoint import CALL_LABELS, client_ip, log_failure
from credo.server.logs import REQUEST_ID
from credo.server.operations import REST_JSON_OPERATIONS
from credo.server.unsigned import ANONYMOUS, REGION

# Their requests are a few hundred bytes; anything near this is not a client of theirs.
MAX_BODY = 64 * 1024
_FAMILIES: dict[str, rest_json.Family] = {"sso-oidc": "oidc", "sso": "portal"}
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def rest_json_routes(services: Services) -> list[BaseRoute]:
    """A route per operation credo serves of sso-oidc and sso."""
    routes: list[BaseRoute] = []
    for service_name, operations in REST_JSON_OPERATIONS.items():
        for name, operation in operations.items():
            operation_model = model.operation(service_name, name)
            assert operation_model is not None
            path = operation_model.http["requestUri"].split("?", 1)[0]
            handler = _endpoint(services, service_name, name, operation)
            routes.append(Route(path, handler, methods=[operation_model.http["method"]]))
    return routes


async def _read_body(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(
    services: Services, service_name: str, name: str, operation: Operation
) -> Callable[[Request], Awaitable[Response]]:
    family = _FAMILIES[service_name]
    operation_model = model.operation(service_name, name)
    assert operation_model is not None

    async def serve(request: Request) -> Response:
        request_id = REQUEST_ID.get() or ids.request_id()  # the id web_requests gave this request
        request.scope[CALL_LABELS] = (service_name, name)
        body = await _read_body(request)
        headers = {key.lower(): value for key, value in request.headers.items()}
        query = dict(request.query_params)
        base_url = f"{request.url.scheme}://{request.url.netloc}"
        source_ip = client_ip(
            request.scope, sigv4.read_headers(request.scope["headers"]), services.settings.trusted_proxy_depth
        )

        def process() -> tuple[int, dict[str, str], bytes]:
            audited = ApiCall(
                service_name,
                name,
                services.clock.time(),
                ANONYMOUS,
                REGION,
                source_ip,
                headers.get("user-agent", ""),
                request_id,
            )
            try:
                if body is None:
                    raise rest_json.as_family(AwsError(f"Request body exceeds {MAX_BODY} bytes."), family)
                params = rest_json.decode(operation_model.input_shape, body, query, headers, family)
                audited.params = params
                call = Call(
                    name, params, ANONYMOUS, services, request_id, REGION, source_ip, {"base_url": base_url}
                )
                # A write the handler commits records this call's event in the same transaction.
                recording = services.audit.begin(audited)
                try:
                    result = operation.handler(call)
                finally:
                    services.audit.end(recording)
                answer = rest_json.render_result(operation_model.output_shape, result)
                audited.result = result
                services.audit.settle(audited)
                return 200, {}, answer
            except AwsError as error:
                _settle_failed(services, audited, rest_json.as_family(error, family))
                return rest_json.render_error(error, family)
            except Exception as error:
                log_failure(request_id, error)
                _settle_failed(services, audited, rest_json.as_family(ServiceFailure(), family))
                return rest_json.render_error(ServiceFailure(), family)

        status, extra, payload = await anyio.to_thread.run_sync(process)
        headers_out = {**_NO_STORE, **extra, "x-amzn-RequestId": request_id}
        return Response(payload, status_code=status, media_type=rest_json.CONTENT_TYPE, headers=headers_out)

    return serve


def _settle_failed(services: Services, audited: ApiCall, error: AwsError) -> None:
    audited.fail(error.code, error.message)
    services.audit.settle(audited)
