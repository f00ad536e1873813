"""Every request outside the API endpoint (console, health, metrics): an id, a log context, a count.

The API endpoint does the same for its own requests (``endpoint.SignedEndpoint``); here the
console's pages and the operator routes get a request id too — returned as
``x-amzn-RequestId``, as the API returns it, and stamped on every log line written meanwhile
(``logs.REQUEST_ID``) — and are counted in ``credo.metrics`` by route: service ``console`` for
the web pages (the console's and the access portal's), ``server`` for the operator routes and
paths nothing serves; a route that serves an API operation (the sso-oidc and sso REST
endpoints) names its (service, action) in ``scope[CALL_LABELS]`` as the API endpoint does.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credo import ids, metrics
from credo.server.endpoint import CALL_LABELS
from credo.server.logs import REQUEST_ID, REQUESTS

SERVER_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/_credo/reset", "/_credo/clock"})


class TrackedRequests:
    """Wraps the Starlette app: request id, log context and metrics for each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log_requests = REQUESTS.isEnabledFor(logging.DEBUG)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = ids.request_id()
        REQUEST_ID.set(request_id)
        status = 500  # what the client sees if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-amzn-requestid"]
                headers.append((b"x-amzn-requestid", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None)
            if CALL_LABELS in scope:  # a route that is an API (sso-oidc, sso) names its operation
                service, action = scope[CALL_LABELS]
            elif path is None:
                service, action = "server", "unmatched"
            else:
                service, action = ("server" if path in SERVER_PATHS else "console"), path
            seconds = time.perf_counter() - started
            metrics.REQUESTS.record((service, action), status, seconds)
            if self.log_requests:
                REQUESTS.debug(
                    "%s %s %s %d %.1f ms", service, scope["method"], action, status, seconds * 1000
                )
