"""``create_app``: the ASGI application one ``credo serve`` process runs.

``/`` goes straight to the Query endpoint, or to the JSON 1.1 endpoint when its ``X-Amz-Target``
header names sso-admin or identitystore (a browser's plain ``GET /`` is sent to the console's sign-in page);
everything else (the console, dev-mode routes) is a Starlette app. A path or
method nothing serves is answered in AWS's XML error shape to API clients (``UnknownOperationException`` 404, ``MethodNotAllowed`` 405) and in a
short line of text to browsers and anything else.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from credo import ids
from credo.audit.trail import FLUSH_CHUNK
from credo.call import Services
from credo.console.routes import console_routes, is_browser_visit
from credo.errors import AwsError, MethodNotAllowed, UnknownOperationException
from credo.gateway.endpoint import AuthorizeEndpoint, decider_for
from credo.gateway.nginx import NginxEndpoint
from credo.passwords import decoy_hash
from credo.protocol import model, xml
from credo.server import bootstrap, health
from credo.server.api import QueryEndpoint, Receive, Scope, Send
from credo.server.json_api import JsonEndpoint
from credo.server.logs import REQUEST_ID
from credo.server.metrics import MetricsEndpoint
from credo.server.portal_routes import portal_routes
from credo.server.web_requests import TrackedRequests

log = logging.getLogger("credo.server")
KEY_USAGE_FLUSH_SECONDS = 5.0
# Read-only and failed calls' audit events wait in memory at most about this long.
AUDIT_FLUSH_SECONDS = 1.0


def create_app(services: Services) -> CredoApp:
    return CredoApp(services)


class CredoApp:
    """Routes ``/`` to the Query or JSON endpoint and the rest to Starlette."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.behind_proxy = services.settings.trusted_proxy_depth > 0
        self._audit_room = anyio.Lock()
        self.query = QueryEndpoint(services)
        self.json = JsonEndpoint(services)
        # The decision endpoint for services of ours (credo.gateway, docs/authorizer.md).
        decider = decider_for(services)
        self.authorize = AuthorizeEndpoint(services, decider)
        self.authorize_nginx = NginxEndpoint(services, decider)
        operators = operator_routes(services)
        # Never held back by the audit backlog: load balancers and Prometheus must see the process.
        self.never_held = frozenset(route.path for route in operators if isinstance(route, Route))
        routes = console_routes(services) + portal_routes(services) + operators
        if services.settings.dev:
            routes += [
                Route("/_credo/reset", self.reset, methods=["POST"]),
                Route("/_credo/clock", self.advance_clock, methods=["POST"]),
            ]
        self.web = TrackedRequests(
            Starlette(
                routes=routes,
                lifespan=self.lifespan,
                exception_handlers={404: not_served, 405: not_served},
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.services.audit.backlogged()
            and scope["type"] == "http"
            and scope["path"] not in self.never_held
        ):
            await self._wait_for_audit()
        if self.behind_proxy and scope["type"] == "http":
            forwarded_scheme(scope)
        # Every method on "/": the Query endpoint answers those it does not take (MethodNotAllowed).
        if scope["type"] == "http" and scope["path"] == "/":
            if scope["method"] == "GET" and is_browser_visit(scope):
                await RedirectResponse("/signin", status_code=303)(scope, receive, send)
                return
            for name, value in scope["headers"]:
                if name == b"x-amz-target":
                    # Only the JSON services' targets; any other (an IAM one, say) stays Query.
                    if self.json.serves_target(value):
                        await self.json(scope, receive, send)
                        return
                    break
            await self.query(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] == "/_credo/authorize":
            await self.authorize(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] == "/_credo/authorize/nginx":
            await self.authorize_nginx(scope, receive, send)
        else:
            await self.web(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(anyio.to_thread.run_sync, decoy_hash)  # before the first sign-in needs it
            tasks.start_soon(self._flush_key_usage_forever)
            tasks.start_soon(self._flush_audit_forever)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
        await anyio.to_thread.run_sync(self.services.usage.flush)
        await anyio.to_thread.run_sync(self.services.audit.flush)
        self.services.store.dispose()

    async def _flush_key_usage_forever(self) -> None:
        while True:
            await anyio.sleep(KEY_USAGE_FLUSH_SECONDS)
            try:
                await anyio.to_thread.run_sync(self.services.usage.flush)
            except Exception:
                log.exception("could not record access key use")

    async def _flush_audit_forever(self) -> None:
        while True:
            await anyio.sleep(AUDIT_FLUSH_SECONDS)
            try:
                await anyio.to_thread.run_sync(self.services.audit.maintain)
            except Exception:
                log.exception("could not write audit events")

    async def _wait_for_audit(self) -> None:
        """Backpressure: more events wait than the flush has kept up with, so this request (and
        any that arrive meanwhile) waits while the oldest are written, a chunk at a time, until
        fewer than the backlog wait; the event loop is idle meanwhile and the flush has the CPU."""
        audit = self.services.audit
        audit.requests_held += 1
        async with self._audit_room:
            while audit.backlogged():
                try:
                    await anyio.to_thread.run_sync(audit.flush, FLUSH_CHUNK)
                except Exception:
                    log.exception("could not write audit events")
                    return  # serve the request; the background flush tries again

    async def reset(self, _request: Request) -> Response:
        """Dev mode: wipe every row and bootstrap the dev account again."""
        await anyio.to_thread.run_sync(bootstrap.reset, self.services)
        return JSONResponse({"reset": True})

    async def advance_clock(self, request: Request) -> Response:
        """Dev mode: move the server's clock forward by ``{"seconds": N}``."""
        try:
            body = await request.json()
            seconds = float(body["seconds"])
            self.services.clock.advance(seconds)
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": 'expected {"seconds": N} with N >= 0'}, status_code=400)
        return JSONResponse({"time": self.services.clock.time()})


def forwarded_scheme(scope: Scope) -> None:
    """Behind a trusted proxy (``CREDO_TRUSTED_PROXY_DEPTH``) that terminates TLS, the request
    was https if the proxy says so in ``X-Forwarded-Proto`` (its own, last, value): then
    ``aws:SecureTransport`` is true and console cookies are ``Secure``."""
    for name, value in scope["headers"]:
        if name == b"x-forwarded-proto":
            scheme = value.rpartition(b",")[2].strip().lower()
            if scheme in (b"https", b"http"):
                scope["scheme"] = scheme.decode()


def operator_routes(services: Services) -> list[BaseRoute]:
    """Health for load balancers, and metrics unless ``CREDO_METRICS=off``."""
    routes: list[BaseRoute] = [
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.Readiness(services.store).respond, methods=["GET"]),
    ]
    if services.settings.metrics != "off":
        routes.append(Route("/metrics", MetricsEndpoint(services).respond, methods=["GET"]))
    return routes


_NOT_SERVED: dict[int, type[AwsError]] = {404: UnknownOperationException, 405: MethodNotAllowed}


async def not_served(request: Request, exc: Exception) -> Response:
    """A path or method nothing serves: AWS's XML error for API clients, a line of text otherwise.

    An API client is a request that is not a browser's (no ``text/html`` in Accept) and
    carries a sign of AWS's protocols: an Authorization header, an ``X-Amz-*`` header or query
    parameter, or a form body.
    """
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    error_class = _NOT_SERVED.get(status, UnknownOperationException)
    if not is_api_client(request):
        text = "Not Found" if status == 404 else "Method Not Allowed"
        return PlainTextResponse(f"{text}: IAM and STS answer at /\n", status_code=status, headers=headers)
    request_id = REQUEST_ID.get() or ids.request_id()
    body = xml.render_error(error_class(), model.NAMESPACES["iam"], request_id)
    headers["x-amzn-RequestId"] = request_id
    return Response(body, status_code=error_class.status, media_type="text/xml", headers=headers)


def is_api_client(request: Request) -> bool:
    """Whether a request comes from an AWS SDK or CLI rather than a browser or a plain client."""
    headers = request.headers
    if "text/html" in headers.get("accept", ""):
        return False
    if "authorization" in headers or any(name.startswith("x-amz-") for name in headers):
        return True
    if any(name.lower().startswith("x-amz-") for name in request.query_params):
        return True
    return headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded")
