"""The apps ``benchmarks.authorizer`` measures: an unauthenticated handler, and the same handler
behind ``credo.gateway``'s ASGI middleware in local mode (``CREDO_*`` settings name the store).

    uvicorn benchmarks.gateway_app:handler   # nothing checked
    uvicorn benchmarks.gateway_app:guarded   # SigV4 + IAM decision for service "widgets"
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BODY = b'{"widget": {"id": "w-1"}}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def handler(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with 200 and a fixed JSON body, after reading the request."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def _guarded() -> Any:
    from credo.gateway.middleware import CredoMiddleware

    return CredoMiddleware(handler, service="widgets")


def __getattr__(name: str) -> Any:
    # Built on first use: importing this module for ``handler`` must not need a store.
    if name == "guarded":
        return _guarded()
    raise AttributeError(name)
