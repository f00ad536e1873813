"""``CredoMiddleware``: SigV4 and IAM decisions in front of an ASGI app (Starlette, FastAPI).

Every request is verified and decided before the app sees it — locally against credo's store
(``mode="local"``, ``credo.gateway.local``) or through the decision endpoint (``mode="remote"``,
``credo.gateway.remote``). An allowed request reaches the app with ``scope["credo.principal"]``
(a ``credo.gateway.caller.Caller``) and ``scope["credo.action"]`` / ``scope["credo.resource"]``;
a WebSocket handshake is decided as a ``GET`` of its path (refused: closed with code 1008);
a refused one is answered 401 or 403 with ``X-Credo-Error`` / ``X-Credo-Reason`` headers and a
JSON body, as nginx mode answers. The body is read first (at most ``max_body`` bytes, else 413),
hashed for the signature check, and handed to the app unchanged.

    app = CredoMiddleware(app, service="widgets")                       # local, CREDO_* settings
    app = CredoMiddleware(app, service="widgets", mode="remote",
                          endpoint_url="https://credo.example.com")     # botocore's credentials
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal
from urllib.parse import quote

import anyio.to_thread

from credo.gateway.decision import EMPTY_HASH, OriginalRequest
from credo.gateway.local import LocalDecider
from credo.gateway.outcome import Outcome
from credo.gateway.remote import RemoteDecider
from credo.protocol import sigv4

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Mode = Literal["local", "remote"]

MAX_BODY = 10 * 1024 * 1024


class CredoMiddleware:
    """ASGI middleware that lets through only requests credo allows (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        mode: Mode = "local",
        decider: LocalDecider | RemoteDecider | None = None,
        endpoint_url: str | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.app = app
        self.service = service
        self.max_body = max_body
        self.decider = decider if decider is not None else make_decider(mode, endpoint_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            # The handshake is a signed GET like any other request; a refused one is closed.
            outcome = await self._decide(original_request(scope, b"", self.service, method="GET"))
            if not outcome.allowed:
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008, "reason": outcome.reason[:120]})
                return
            _put(scope, outcome)
            await self.app(scope, receive, send)
            return
        if kind != "http":
            await self.app(scope, receive, send)  # lifespan
            return
        body = await _read_body(receive, self.max_body)
        if body is None:
            await _answer(send, 413, [(b"content-type", b"text/plain")], b"request body too large\n")
            return
        outcome = await self._decide(original_request(scope, body, self.service))
        if not outcome.allowed:
            await _answer(send, *outcome.refusal())
            return
        _put(scope, outcome)
        # Let the requests that arrived with this one be decided before any app code runs, as
        # credo's own endpoints let replies leave in bursts: the decision code stays hot in the
        # CPU's caches. Under load, a third less server CPU per request
        # (docs/benchmarks.md, Authorizer); in process, one pass through the event loop.
        await asyncio.sleep(0)
        await self.app(scope, _replay(body, receive), send)

    async def _decide(self, request: OriginalRequest) -> Outcome:
        decider = self.decider
        if isinstance(decider, RemoteDecider):
            return await decider.adecide(request)
        found = decider.decide_without_waiting(request)
        return found if found is not None else await anyio.to_thread.run_sync(decider.decide, request)


def _put(scope: Scope, outcome: Outcome) -> None:
    scope["credo.principal"] = outcome.caller
    scope["credo.action"] = outcome.action
    scope["credo.resource"] = outcome.resource


def make_decider(mode: Mode, endpoint_url: str | None) -> LocalDecider | RemoteDecider:
    """The decider for ``mode``: local from the ``CREDO_*`` settings; remote at ``endpoint_url``
    (or ``CREDO_ENDPOINT_URL``) with botocore's credentials."""
    if mode == "local":
        return LocalDecider()
    import os

    url = endpoint_url or os.environ.get("CREDO_ENDPOINT_URL")
    if not url:
        raise ValueError("remote mode needs endpoint_url (or CREDO_ENDPOINT_URL): the credo server")
    return RemoteDecider(url)


def original_request(scope: Scope, body: bytes, service: str, method: str | None = None) -> OriginalRequest:
    """What the client sent, as the decider takes it (the raw path: SigV4 signs it as sent)."""
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(scope["path"])
    query = scope.get("query_string", b"")
    client = scope.get("client")
    return OriginalRequest(
        method=method or scope["method"],
        url=path + ("?" + query.decode("latin-1") if query else ""),
        # ASGI servers hand header names over lower-cased, as SigV4 reads them.
        headers=sigv4.read_headers(scope["headers"]),
        payload_hash=hashlib.sha256(body).hexdigest() if body else EMPTY_HASH,
        source_ip=str(client[0]) if client else "",
        secure_transport=scope.get("scheme") in ("https", "wss"),
        service=service,
    )


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then whatever the server says next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = ["CredoMiddleware", "Outcome", "make_decider", "original_request"]
