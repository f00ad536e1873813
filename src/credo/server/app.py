"""``create_app``: the ASGI application one ``credo serve`` process runs.

``/`` goes straight to the Query endpoint; everything else (dev-mode routes, and the console
to come) is a Starlette app.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from credo.call import Services
from credo.server import bootstrap
from credo.server.api import QueryEndpoint, Receive, Scope, Send

log = logging.getLogger("credo.server")
KEY_USAGE_FLUSH_SECONDS = 5.0


def create_app(services: Services) -> CredoApp:
    return CredoApp(services)


class CredoApp:
    """Routes ``/`` to the Query endpoint and the rest to Starlette."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.query = QueryEndpoint(services)
        routes = []
        if services.settings.dev:
            routes += [
                Route("/_credo/reset", self.reset, methods=["POST"]),
                Route("/_credo/clock", self.advance_clock, methods=["POST"]),
            ]
        self.web = Starlette(routes=routes, lifespan=self.lifespan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/" and scope["method"] in {"GET", "POST"}:
            await self.query(scope, receive, send)
        else:
            await self.web(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._flush_key_usage_forever)
            try:
                yield
            finally:
                tasks.cancel_scope.cancel()
        await anyio.to_thread.run_sync(self.services.usage.flush)
        self.services.store.dispose()

    async def _flush_key_usage_forever(self) -> None:
        while True:
            await anyio.sleep(KEY_USAGE_FLUSH_SECONDS)
            try:
                await anyio.to_thread.run_sync(self.services.usage.flush)
            except Exception:
                log.exception("could not record access key use")

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
